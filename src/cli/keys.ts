import type { Command } from 'commander';
import { InvalidError } from '../errors.js';
import { listSigningKeys, rotateSigningKey } from '../oidc/keys.js';
import { TTL } from '../oidc/provider.js';
import { jsonAction, withStores } from './context.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('token signing keys');
  keys
    .command('rotate')
    .description('make a new signing key current; the old one stays published until --retire-after has passed')
    .option('--retire-after <seconds>', 'how long the previous key stays published', String(TTL.AccessToken * 24))
    .action(
      jsonAction(async (opts: { retireAfter: string }) => {
        const retireAfterSeconds = Number(opts.retireAfter);
        if (!Number.isInteger(retireAfterSeconds) || retireAfterSeconds < 0) {
          throw new InvalidError('--retire-after must be a whole number of seconds');
        }
        return withStores(({ db }, config) => rotateSigningKey(db, config.secretKey, { retireAfterSeconds }));
      }),
    );
  keys
    .command('list')
    .description('list signing keys (never their material)')
    .action(jsonAction(async () => withStores(({ db }) => listSigningKeys(db))));
}
