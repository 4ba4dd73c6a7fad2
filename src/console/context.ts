import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { ApiDeps } from '../api/deps.js';
import { DomainError, InvalidError } from '../errors.js';
import { renderPage } from '../http/views.js';
import type { LoginLimiter } from '../oidc/interactions/login-limiter.js';
import type { Role } from '../orgs/model.js';
import { type Action, can, type Standing } from '../orgs/policy.js';
import type { Organization } from '../orgs/service.js';
import type { User } from '../users/service.js';
import { datesFor, localeOf } from './dates.js';
import { escapeHtml, formControls } from './fields.js';
import { type Invocation, invoke } from './invoke.js';
import type { ConsoleSession, ConsoleSessions } from './session.js';

export interface ConsoleDeps {
  api: ApiDeps;
  sessions: ConsoleSessions;
  loginLimiter: LoginLimiter;
}

/** What the console middleware puts on `ctx.state` for the pages. */
export interface ConsoleState {
  session: ConsoleSession | undefined;
  user: User | undefined;
  csrf: string;
  /** The person's organizations, for the switcher. */
  memberships: Array<{ organization: Organization; role: Role }>;
  /**
   * On organization pages: the organization shown, what the person may do there (`standing`: a platform
   * admin acts as the platform everywhere) and their own role when they are a member.
   */
  org?: { id: string; name: string; personal: boolean; standing: Standing; role: Role | null };
}

export const stateOf = (ctx: Context) => ctx.state.console as ConsoleState;

/** The signed-in person (the pages behind `requireUser` always have one). */
export function userOf(ctx: Context): User {
  const user = stateOf(ctx).user;
  if (!user) throw new Error('console page reached without a signed-in person');
  return user;
}

/** Calls an admin API route as the signed-in person. */
export function call<T>(ctx: Context, deps: ConsoleDeps, operationId: string, input: Invocation = {}): Promise<T> {
  return invoke<T>(deps.api, userOf(ctx), ctx.state.requestId as string | undefined, operationId, input);
}

/** What went wrong with a form, to show next to its fields while keeping what the person typed. */
export interface Failure {
  form: string;
  message: string;
  fields: Record<string, string>;
  values: Record<string, unknown>;
}

/** Runs a form's action; a domain error becomes a Failure (and its status) instead of an error page. */
export async function attempt(ctx: Context, form: string, action: () => Promise<void>): Promise<Failure | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.status = error.status;
    (ctx.state.log as Logger | undefined)?.info({ form, code: error.code }, 'form refused');
    return {
      form,
      message: error instanceof InvalidError ? 'Please correct the fields marked below.' : error.message,
      fields: error instanceof InvalidError ? error.fields : {},
      values: (ctx.request.body ?? {}) as Record<string, unknown>,
    };
  }
}

/** The organization the left navigation shows: the page's own, or else the active one. */
function navigationOf(state: ConsoleState): ConsoleState['org'] {
  if (state.org) return state.org;
  const active =
    state.memberships.find((m) => m.organization._id === state.session?.activeOrgId) ??
    state.memberships.find((m) => m.organization._id === state.user?.personalOrgId);
  if (!active) return undefined;
  const { organization, role } = active;
  const standing: Standing = state.user?.platformAdmin ? 'platform' : role;
  return { id: organization._id, name: organization.name, personal: organization.personal, standing, role };
}

/** An id shown beside the name it belongs to: one click selects it, and console.js adds a copy button. */
const copyableId = (id: string | null | undefined) =>
  id ? `<span class="id-line"><code class="id" data-copyable>${escapeHtml(id)}</code></span>` : '';

/** Renders a console page with the layout's data: the person, the switcher, the navigation, the CSRF token. */
export function show(ctx: Context, template: string, data: Record<string, unknown>): void {
  const state = stateOf(ctx);
  const failure = data.failure as Failure | undefined;
  const status = failure ? Math.max(ctx.status, 400) : ((data.status as number | undefined) ?? 200);
  ctx.state.pageScripts = true;
  const standing = state.org?.standing;
  const nav = state.user ? navigationOf(state) : undefined;
  const locale = localeOf(ctx);
  const dates = datesFor(locale);
  renderPage(
    ctx,
    `console/${template}`,
    {
      ...data,
      user: state.user,
      csrf: state.csrf,
      memberships: state.memberships,
      org: state.org,
      nav,
      path: ctx.path,
      activeOrgId: state.memberships.some((m) => m.organization._id === state.org?.id)
        ? state.org?.id
        : state.session?.activeOrgId,
      may: (action: Action) => (standing ? can(standing, action) : false),
      mayInNav: (action: Action) => (nav ? can(nav.standing, action) : false),
      f: formControls(failure),
      locale,
      date: dates.text,
      time: dates.time,
      id: copyableId,
      flash: ctx.state.flash,
      reveal: (ctx.state.reveal ?? {}) as Record<string, string>,
    },
    status,
  );
}

/** A string field of a posted form ('' when absent or not a string). */
export function field(ctx: Context, name: string): string {
  const value = ((ctx.request.body ?? {}) as Record<string, unknown>)[name];
  if (value === undefined) return '';
  // `name[x]=` and repeated fields parse to objects and lists: never read one as empty text.
  if (typeof value !== 'string')
    throw new InvalidError(`${name} must be sent once, as text`, { [name]: 'must be text' });
  return value;
}

/** A refusal of the console's own (sign-in throttling, a wrong password), with its HTTP status. */
export class Refusal extends DomainError {
  readonly code = 'refused';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
