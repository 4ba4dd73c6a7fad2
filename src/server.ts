import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { API_SCOPE, apiResource } from './api/index.js';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createOidc, type Oidc } from './oidc/index.js';
import { setOidcNoticeSink } from './oidc/notices.js';
import { finishInterruptedDeletions } from './orgs/deletion.js';
import { revocationFeed } from './resource/revocation-feed.js';
import { ensureResourceServer } from './resources/service.js';
import type { Stores } from './stores/index.js';
import { periodicTask } from './stores/periodic-task.js';
import { sweepExpiredAcrossOrganizations } from './stores/sweep.js';

export interface RunningServer {
  server: Server;
  oidc: Oidc;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes the stores. */
  close(): Promise<void>;
}

export async function startServer(config: Config, stores: Stores, logger: Logger): Promise<RunningServer> {
  setOidcNoticeSink((level, message) =>
    logger[level === 'warn' ? 'warn' : 'debug']({ component: 'oidc-provider' }, message),
  );
  const oidc = await createOidc(config, stores, logger);
  await ensureResourceServer(stores.db, {
    uri: apiResource(config.issuer),
    scopes: [API_SCOPE],
    format: 'jwt',
    accessTokenTtl: 900,
  });
  const revocation = revocationFeed({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    logger: { warn: (message) => logger.warn(message), info: (message) => logger.debug(message) },
  });
  const app = buildApp({ config, stores, logger, oidc, revocation });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // FerretDB has no TTL indexes: expired records are purged here (reads already ignore them), by one
  // instance at a time.
  const maintenance = periodicTask({
    redis: stores.redis,
    name: 'maintenance',
    everyMs: config.sweepIntervalSeconds * 1000,
    lockMs: Math.max(config.sweepIntervalSeconds, 60) * 1000,
    async run(signal) {
      await sweepExpiredAcrossOrganizations(stores.db, new Date(), undefined, signal).then(
        (deleted) => deleted && logger.info({ deleted }, 'expired records purged'),
        (error: unknown) => logger.warn({ err: error }, 'expired-record sweep failed'),
      );
      if (!signal.aborted) await finishInterruptedDeletions(oidc.provider, stores.db, oidc.publisher);
    },
    onError: (error) => logger.warn({ err: error }, 'finishing interrupted organization deletions failed'),
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await drained;
      clearTimeout(force);
      await maintenance.stop();
      await revocation.close();
      await stores.close();
    })();
    return closing;
  };
  return { server, oidc, url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`, close };
}

/** Closes cleanly on SIGTERM/SIGINT; a second signal exits at once. */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
