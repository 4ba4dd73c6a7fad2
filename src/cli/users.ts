import type { Command } from 'commander';
import { pageQuerySchema } from '../stores/pagination.js';
import { signUp } from '../users/service.js';
import { pageUsersOfPlatform } from '../users/store.js';
import { parseInput } from '../validation.js';
import { jsonAction, withStores } from './context.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('people');
  user
    .command('create')
    .description('create a person and their personal organization')
    .requiredOption('--email <email>', 'email address (unique, case-insensitive)')
    .requiredOption('--password <password>', 'password (at least 8 characters)')
    .option('--name <name>', 'display name')
    .action(
      jsonAction(async (opts: { email: string; password: string; name?: string }) =>
        withStores(async ({ db }) => {
          const created = await signUp(db, opts);
          return { id: created._id, email: created.email, personalOrgId: created.personalOrgId };
        }),
      ),
    );
  user
    .command('list')
    .description('list every person, 50 at a time (pass --cursor to get the next page)')
    .option('--limit <n>', 'people per page (1-100)', '50')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      jsonAction(async (opts: { limit: string; cursor?: string }) =>
        withStores(async ({ db }) => {
          const page = await pageUsersOfPlatform(db, parseInput(pageQuerySchema, opts));
          return {
            items: page.items.map((u) => ({
              id: u._id,
              email: u.email,
              name: u.name || null,
              platformAdmin: Boolean(u.platformAdmin),
              createdAt: u.createdAt ?? null,
            })),
            nextCursor: page.nextCursor,
          };
        }),
      ),
    );
}
