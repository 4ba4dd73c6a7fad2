import type { Command } from 'commander';
import { createLogger } from '../logger.js';
import { createOidc } from '../oidc/index.js';
import { issueInitialAccessToken } from '../oidc/initial-access.js';
import { jsonAction, withStores } from './context.js';

export function registerRegistrationCommands(program: Command): void {
  program
    .command('registration')
    .description('dynamic client registration (RFC 7591)')
    .command('token')
    .description('issue an initial access token (needed to register when REGISTRATION=token; shown once)')
    .option('--expires-in <seconds>', 'lifetime of the token', '86400')
    .action(
      jsonAction(async (opts: { expiresIn: string }) =>
        withStores(async (stores, config) => {
          const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
          return issueInitialAccessToken(provider, Number(opts.expiresIn));
        }),
      ),
    );
}
