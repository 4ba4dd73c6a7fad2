import type { Command } from 'commander';
import { createPlatformKey } from '../apikeys/platform-keys.js';
import { createApiKey } from '../apikeys/service.js';
import { NotFoundError } from '../errors.js';
import { getOrganization } from '../orgs/service.js';
import { findUserByEmail, setPlatformAdmin } from '../users/service.js';
import { auditCli, jsonAction, withStores } from './context.js';

const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);

export function registerApiKeyCommands(program: Command): void {
  program
    .command('apikey')
    .description('org API keys of members')
    .command('create')
    .description('create an API key for a member in an organization (the key is shown once, stored hashed)')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--email <email>', 'email of the member who owns the key')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--scopes <scopes>', 'scopes the key is limited to (default: none, i.e. whatever the member may do)', list)
    .option('--expires-at <date>', 'expiry, ISO 8601')
    .action(
      jsonAction(async (opts: { org: string; email: string; name: string; scopes?: string[]; expiresAt?: string }) =>
        withStores(async ({ db }) => {
          await getOrganization(db, opts.org);
          const user = await findUserByEmail(db, opts.email);
          if (!user) throw new NotFoundError(`no user with email ${opts.email}`);
          const created = await createApiKey(
            db,
            { orgId: opts.org, userId: user._id },
            { name: opts.name, scopes: opts.scopes, expiresAt: opts.expiresAt },
          );
          await auditCli(
            db,
            opts.org,
            'api_key.created',
            { type: 'api_key', id: created.id },
            { name: created.name, userId: user._id },
          );
          return { id: created.id, key: created.key, orgId: created.orgId, userId: created.userId };
        }),
      ),
    );

  const platform = program.command('platform').description('operators of this deployment');
  platform
    .command('key')
    .description('platform keys for the cross-organization admin API routes')
    .command('create')
    .description('create a platform key (shown once, stored hashed)')
    .requiredOption('--name <name>', 'who or what uses the key')
    .action(jsonAction(async (opts: { name: string }) => withStores(({ db }) => createPlatformKey(db, opts.name))));

  const admin = platform.command('admin').description('people who see the platform pages of the console');
  for (const [verb, on] of [
    ['add', true],
    ['remove', false],
  ] as const) {
    admin
      .command(verb)
      .description(on ? 'make a person a platform admin' : 'take platform admin away from a person')
      .requiredOption('--email <email>', 'the person’s email')
      .action(
        jsonAction(async (opts: { email: string }) =>
          withStores(async ({ db }) => {
            const user = await setPlatformAdmin(db, opts.email, on);
            return { id: user._id, email: user.email, platformAdmin: user.platformAdmin === true };
          }),
        ),
      );
  }
}
