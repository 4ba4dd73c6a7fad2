import type { ResourceServerDoc } from './model.js';

/**
 * How a resource indicator (RFC 8707) maps to a registered resource server: by its exact URI, or,
 * for a server registered as a base (`match: 'prefix'`), by any URL under that base. A base may say
 * where the organization appears in its URLs (`orgPath`, e.g. `/orgs/{orgId}/`), so a per-organization
 * URL such as `https://mcp.example.com/orgs/org_x/mcp` names the organization its tokens belong to.
 */
export interface ResolvedResource {
  server: ResourceServerDoc;
  /** The token audience: the URL the client asked for (the registered form for an exact match). */
  audience: string;
  /** The organization the URL names through the server's `orgPath`, if any. */
  urlOrgId: string | undefined;
}

export const ORG_PLACEHOLDER = '{orgId}';
const MAX_DEPTH = 16;
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;
const ORG_ID = '[A-Za-z0-9_-]{1,64}';

/**
 * Why an `orgPath` template is not usable, or undefined when it is: path segments relative to the
 * base, one of which is exactly `{orgId}`.
 */
export function orgPathProblem(template: string): string | undefined {
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  if (segments.filter((s) => s === ORG_PLACEHOLDER).length !== 1) {
    return `must contain ${ORG_PLACEHOLDER} once, as a whole path segment (e.g. /orgs/${ORG_PLACEHOLDER}/)`;
  }
  if (segments.some((s) => s !== ORG_PLACEHOLDER && !SEGMENT.test(s))) return 'must be a path of plain segments';
  return undefined;
}

/** The registered URIs that could serve an indicator: itself, its other slash form, and every base above it. */
export function candidateUris(indicator: string): string[] {
  const url = URL.parse(indicator);
  const candidates = new Set([indicator, otherSlashForm(indicator)]);
  // Only a URL in its canonical form is matched against bases (no `..`, no default port, no fragment):
  // the audience is the string asked for, and it must mean the URL whose organization we read.
  if (!url || url.href !== indicator || url.hash || !/^https?:$/.test(url.protocol)) return [...candidates];
  const segments = url.pathname.split('/').slice(1);
  if (segments.length > MAX_DEPTH) return [...candidates];
  candidates.add(url.origin);
  let path = '';
  for (const segment of segments) {
    candidates.add(`${url.origin}${path}/`);
    path = `${path}/${segment}`;
    if (segment) candidates.add(`${url.origin}${path}`);
  }
  return [...candidates];
}

/**
 * The resource server an indicator names among the registrations `candidateUris` found: an exact
 * registration first, else the longest base the indicator is under. A base with an `orgPath`
 * accepts only URLs that name an organization where the template says.
 */
export function resolveIndicator(indicator: string, found: readonly ResourceServerDoc[]): ResolvedResource | null {
  const exact = found.find((doc) => doc._id === indicator) ?? found.find((d) => d._id === otherSlashForm(indicator));
  if (exact) return { server: exact, audience: exact._id, urlOrgId: undefined };
  const bases = found
    .filter((doc) => doc.match === 'prefix' && isUnder(indicator, doc._id))
    .sort((a, b) => b._id.length - a._id.length);
  const base = bases[0];
  if (!base || !candidateUris(indicator).includes(base._id)) return null;
  if (!base.orgPath) return { server: base, audience: indicator, urlOrgId: undefined };
  const urlOrgId = orgInPath(indicator, base._id, base.orgPath);
  return urlOrgId ? { server: base, audience: indicator, urlOrgId } : null;
}

/** The organization a resource's tokens must belong to: the one its URL names, else its owner (or none). */
export const requiredOrgOf = (resolved: ResolvedResource): string | undefined =>
  resolved.urlOrgId ?? resolved.server.orgId ?? undefined;

function isUnder(indicator: string, base: string): boolean {
  if (indicator.length <= base.length || !indicator.startsWith(base)) return false;
  return base.endsWith('/') || indicator[base.length] === '/';
}

function orgInPath(indicator: string, base: string, template: string): string | undefined {
  const basePath = new URL(base).pathname.replace(/\/?$/, '/');
  const rest = new URL(indicator).pathname.slice(basePath.length);
  const pattern = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((s) => (s === ORG_PLACEHOLDER ? `(${ORG_ID})` : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}(?:/|$)`).exec(rest)?.[1];
}

/** `https://mcp.example.com` and `https://mcp.example.com/` name the same pathless resource. */
export function otherSlashForm(indicator: string): string {
  const url = URL.parse(indicator);
  if (url?.pathname !== '/' || url.search) return indicator;
  return indicator.endsWith('/') ? indicator.slice(0, -1) : `${indicator}/`;
}
