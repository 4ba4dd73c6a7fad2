// Must stay first: it routes oidc-provider's console notices into the structured log.
import './oidc/notices.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { closeOnSignals, startServer } from './server.js';
import { openStores } from './stores/index.js';

/** Production entry point: every setting comes from the environment (see README, Configuration). */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config);
  const stores = await openStores(config, logger);
  const running = await startServer(config, stores, logger);
  logger.info({ issuer: config.issuer, listen: running.url }, 'orgauth listening');
  closeOnSignals(logger, running.close);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `orgauth: ${(error as Error).message}`}\n`);
  process.exit(1);
});
