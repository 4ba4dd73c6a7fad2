/** Plain words for the scopes a person is asked to allow. */
const WORDS: Record<string, string> = {
  openid: 'Confirm who you are',
  email: 'See your email address',
  profile: 'See your name',
  organization: 'See the organization you choose and your role in it',
  offline_access: 'Stay connected while you are away (refresh tokens)',
};

export function describeScopes(oidcScopes: string[], resourceScopes: Record<string, string[]>): string[] {
  const lines = oidcScopes.map((scope) => WORDS[scope] ?? `Use the “${scope}” permission`);
  for (const [resource, scopes] of Object.entries(resourceScopes)) {
    for (const scope of scopes) lines.push(`Use the “${scope}” permission on ${resource}`);
  }
  return lines;
}
