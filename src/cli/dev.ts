import type { Command } from 'commander';
import { loadConfig, readEnv } from '../config.js';
import { createLogger } from '../logger.js';
import { closeOnSignals, startServer } from '../server.js';
import { openStores } from '../stores/index.js';
import { bringUpLocalServices } from '../stores/local/index.js';
import { fail } from './context.js';
import { seedDemo } from './demo-seed.js';

/** `orgauth dev`: local services (when not configured), a demo account, and the server. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start the server for local use: FerretDB + Redis when not configured, with a demo account')
    .action(async () => {
      try {
        const local = await bringUpLocalServices(readEnv(), { share: true });
        for (const line of local.summary) process.stderr.write(`${line}\n`);
        const config = loadConfig(local.env);
        const logger = createLogger(config);
        const stores = await openStores(config, logger);
        const running = await startServer(config, stores, logger);
        const demo = await seedDemo(stores.db, running.oidc.provider);
        closeOnSignals(logger, async () => {
          await running.close();
          await local.stop();
        });
        process.stderr.write(
          [
            '',
            `Orgauth is running: open ${config.issuer}`,
            `  console: ${config.issuer}/console (the demo person is a platform admin)`,
            `  demo sign-in: ${demo.email} / ${demo.password}`,
            `  organizations: personal ${demo.personalOrgId}, Acme Inc ${demo.companyOrgId}`,
            `  demo OAuth client (public, PKCE): ${demo.clientId}, redirect ${demo.redirectUri} (any port)`,
            '  stop with Ctrl+C',
            '',
          ].join('\n'),
        );
      } catch (error) {
        fail(error);
      }
    });
}
