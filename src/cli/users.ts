import type { Command } from 'commander';
import { signUp } from '../users/service.js';
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
}
