import { type Command, Option } from 'commander';
import { NotFoundError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createOidc } from '../oidc/index.js';
import { ROLES, type Role } from '../orgs/model.js';
import { pageOrganizationsOfPlatform } from '../orgs/organizations-store.js';
import { addMember, createOrganization } from '../orgs/service.js';
import { removeMember } from '../revocation/service.js';
import type { Db } from '../stores/db.js';
import { pageQuerySchema } from '../stores/pagination.js';
import { findUserByEmail } from '../users/service.js';
import { parseInput } from '../validation.js';
import { auditCli, jsonAction, withStores } from './context.js';

async function userIdByEmail(db: Db, email: string): Promise<string> {
  const user = await findUserByEmail(db, email);
  if (!user) throw new NotFoundError(`no user with email ${email}`);
  return user._id;
}

export function registerOrgCommands(program: Command): void {
  const org = program.command('org').description('organizations');
  org
    .command('list')
    .description('list every organization (not those being deleted), 50 at a time (pass --cursor for more)')
    .option('--limit <n>', 'organizations per page (1-100)', '50')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      jsonAction(async (opts: { limit: string; cursor?: string }) =>
        withStores(async ({ db }) => {
          const page = await pageOrganizationsOfPlatform(db, parseInput(pageQuerySchema, opts));
          return {
            items: page.items.map((o) => ({ id: o._id, name: o.name, personal: o.personal, createdAt: o.createdAt })),
            nextCursor: page.nextCursor,
          };
        }),
      ),
    );
  org
    .command('create')
    .description('create a company organization owned by an existing person')
    .requiredOption('--name <name>', 'organization name')
    .option('--description <description>', 'what the organization is for')
    .requiredOption('--owner <email>', 'email of the first owner')
    .action(
      jsonAction(async (opts: { name: string; description?: string; owner: string }) =>
        withStores(async ({ db }) => {
          const ownerId = await userIdByEmail(db, opts.owner);
          const org = await createOrganization(db, { name: opts.name, description: opts.description }, ownerId);
          await auditCli(db, org._id, 'org.created', { type: 'organization', id: org._id }, { ownerId });
          return { id: org._id, name: org.name };
        }),
      ),
    );

  const member = program.command('member').description('memberships');
  member
    .command('remove')
    .description('remove a person from an organization, revoking their grants and tokens in it at once')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--email <email>', 'email of the person')
    .action(
      jsonAction(async (opts: { org: string; email: string }) =>
        withStores(async (stores, config) => {
          const userId = await userIdByEmail(stores.db, opts.email);
          const oidc = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
          await removeMember(oidc.provider, stores.db, oidc.publisher, opts.org, userId);
          await auditCli(stores.db, opts.org, 'member.removed', { type: 'user', id: userId });
          return { orgId: opts.org, userId, removed: true };
        }),
      ),
    );
  member
    .command('add')
    .description('add an existing person to an organization')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--email <email>', 'email of the person')
    .addOption(new Option('--role <role>', 'role in the organization').choices(ROLES).makeOptionMandatory())
    .action(
      jsonAction(async (opts: { org: string; email: string; role: Role }) =>
        withStores(async ({ db }) => {
          const userId = await userIdByEmail(db, opts.email);
          const membership = await addMember(db, opts.org, userId, opts.role);
          await auditCli(db, opts.org, 'member.added', { type: 'user', id: userId }, { role: opts.role });
          return { orgId: membership.orgId, userId: membership.userId, role: membership.role };
        }),
      ),
    );
}
