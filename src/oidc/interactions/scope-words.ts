/** Plain words for the scopes a person is asked to allow. */
const WORDS: Record<string, string> = {
  openid: 'Confirm who you are',
  email: 'See your email address',
  profile: 'See your name',
  organization: 'See the organization you choose and your role in it',
  offline_access: 'Stay connected while you are away (refresh tokens)',
};

const quoted = new Intl.ListFormat('en', { type: 'conjunction' });

/**
 * One line per thing the person allows. A scope of a resource (say `mcp:tools`) also travels in the
 * request's `scope`: it is said once, with the resource it is for, not a second time on its own.
 */
export function describeScopes(requested: string[], resourceScopes: Record<string, string[]>): string[] {
  const ofResources = new Set(Object.values(resourceScopes).flat());
  const lines = requested
    .filter((scope) => scope in WORDS || !ofResources.has(scope))
    .map((scope) => WORDS[scope] ?? `Use the “${scope}” permission`);
  for (const [resource, scopes] of Object.entries(resourceScopes)) {
    if (scopes.length === 0) continue;
    const names = quoted.format(scopes.map((scope) => `“${scope}”`));
    lines.push(`Use the ${names} permission${scopes.length > 1 ? 's' : ''} on ${resource}`);
  }
  return lines;
}
