import type { Command } from 'commander';
import { addCredits, getCredits } from '../credits/service.js';
import { verifyLedgers } from '../credits/verify.js';
import { InvalidError } from '../errors.js';
import { getOrganization } from '../orgs/service.js';
import { auditCli, CLI_ACTOR, jsonAction, withStores } from './context.js';

export function registerCreditCommands(program: Command): void {
  const credits = program.command('credits').description('organization credit balances');
  credits
    .command('add')
    .description('add credits to an organization (recorded in its transaction log)')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--amount <units>', 'whole number of units to add')
    .requiredOption('--description <text>', 'why, for the transaction log')
    .option('--idempotency-key <key>', 'run the same command again safely: a key is added once')
    .action(
      jsonAction(async (opts: { org: string; amount: string; description: string; idempotencyKey?: string }) => {
        if (!/^\d+$/.test(opts.amount)) throw new InvalidError('--amount must be a whole number of units');
        return withStores(async ({ db }) => {
          const result = await addCredits(
            db,
            opts.org,
            { amount: Number(opts.amount), description: opts.description },
            { actor: CLI_ACTOR, idempotencyKey: opts.idempotencyKey },
          );
          if (!result.replayed) {
            await auditCli(
              db,
              opts.org,
              'credits.added',
              { type: 'credit_transaction', id: result.entry.id },
              { amount: result.entry.amount },
            );
          }
          const { balance } = await getCredits(db, opts.org);
          return { orgId: opts.org, balance, transaction: result.entry, replayed: result.replayed };
        });
      }),
    );
  credits
    .command('verify')
    .description('recompute balances from the transaction logs and report differences')
    .option('--org <orgId>', 'only this organization')
    .option('--repair', 'set the cached balances to what the logs say', false)
    .action(
      jsonAction(async (opts: { org?: string; repair: boolean }) =>
        withStores(async ({ db }) => {
          // An unknown organization is an error, not an empty report.
          if (opts.org !== undefined) await getOrganization(db, opts.org);
          return verifyLedgers(db, { orgId: opts.org, repair: opts.repair });
        }),
      ),
    );
}
