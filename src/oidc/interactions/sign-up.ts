import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { Failure } from '../../console/context.js';
import { formControls } from '../../console/fields.js';
import { ConflictError, InvalidError } from '../../errors.js';
import { csrfToken } from '../../http/csrf.js';
import { renderPage } from '../../http/views.js';
import type { Db } from '../../stores/db.js';
import { signUp } from '../../users/service.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface SignUpSteps {
  db: Db;
  secretKey: string;
  provider: Provider;
  /** The form body parser of the interaction pages. */
  form: Middleware;
  /** The interaction of this request, with its form body once its CSRF token is checked. */
  postedDetails(ctx: Context, promptName: string): Promise<{ details: Details; body: Record<string, unknown> }>;
  finish(ctx: Context, result: InteractionResults, merge: boolean): Promise<void>;
  pageCsp(details: Details): string;
}

const text = (body: Record<string, unknown>, name: string, max: number) =>
  typeof body[name] === 'string' ? body[name].slice(0, max) : '';

/**
 * "Create account" inside a sign-in: a person who arrives from an app without an account signs up
 * (getting their personal organization, as in the console) and goes straight on to consent.
 */
export function interactionSignUp(router: Router, steps: SignUpSteps): void {
  const { db, provider } = steps;

  const renderSignUp = async (ctx: Context, details: Details, failure?: Failure) => {
    const client = await provider.Client.find(String(details.params.client_id));
    ctx.state.formAction = steps.pageCsp(details);
    renderPage(
      ctx,
      'interaction/signup',
      {
        title: 'Create your account',
        uid: details.uid,
        csrf: csrfToken(steps.secretKey, `interaction:${details.uid}`),
        clientName: client?.clientName,
        f: formControls(failure),
      },
      failure ? (failure.fields.email?.includes('already') ? 409 : 400) : 200,
    );
  };

  router.get('/signup', async (ctx) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid || details.prompt.name !== 'login') {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${encodeURIComponent(details.uid)}`);
    }
    await renderSignUp(ctx, details);
  });

  router.post('/signup', steps.form, async (ctx) => {
    const { details, body } = await steps.postedDetails(ctx, 'login');
    const values = { name: text(body, 'name', 200), email: text(body, 'email', 320) };
    const password = text(body, 'password', 1024);
    const fail = (message: string, fields: Record<string, string>) =>
      renderSignUp(ctx, details, { form: 'signup', message, fields, values });
    if (password !== text(body, 'confirmPassword', 1024)) {
      return fail('Check the highlighted fields.', { confirmPassword: 'does not match the password' });
    }
    let userId: string;
    try {
      userId = (await signUp(db, { ...values, password }))._id;
    } catch (error) {
      if (error instanceof InvalidError) return fail('Check the highlighted fields.', error.fields);
      if (error instanceof ConflictError) {
        return fail('An account with this email already exists.', { email: 'is already registered: sign in instead' });
      }
      throw error;
    }
    await steps.finish(ctx, { login: { accountId: userId } }, false);
  });
}
