import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/stores/local/index.js';

// Only store modules talk to MongoDB: services get plain functions that take the organization id,
// so none can forget it. These are the models and handles that must not appear anywhere else.
const MODELS = [
  'users',
  'userEmails',
  'organizations',
  'memberships',
  'resourceServers',
  'approvals',
  'invitations',
  'invitationAcceptances',
  'teams',
  'apiKeys',
  'platformKeys',
  'auditEvents',
  'creditEntries',
  'creditAccounts',
  'creditIdempotency',
];
const FORBIDDEN = [new RegExp(`\\bdb\\.(${MODELS.join('|')})\\b`), /\.connection\b/, /\bopenCollection\(/];
// oidc-provider's MongoDB adapter is the store of oidc-provider's own models.
const isStoreModule = (path: string) =>
  path.startsWith('src/stores/') ||
  /(^|\/)store\.ts$/.test(path) ||
  /-store\.ts$/.test(path) ||
  path === 'src/oidc/adapters/mongo-adapter.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('store boundaries', () => {
  it('keep every MongoDB model and collection inside the store modules', () => {
    const offences = sourceFiles(join(repoRoot, 'src'))
      .map((path) => relative(repoRoot, path))
      .filter((path) => !isStoreModule(path))
      .flatMap((path) =>
        readFileSync(join(repoRoot, path), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${path}:${i + 1}` }))
          .filter(({ line }) => FORBIDDEN.some((pattern) => pattern.test(line)))
          .map(({ line, at }) => `${at}: ${line.trim()}`),
      );
    expect(offences).toEqual([]);
  });
});
