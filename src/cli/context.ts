import { recordAudit } from '../audit/service.js';
import { type Config, ConfigError, loadConfig, readEnv } from '../config.js';
import { DomainError } from '../errors.js';
import { createLogger } from '../logger.js';
import { KeyDecryptionError } from '../oidc/keys.js';
import type { Db } from '../stores/db.js';
import { openStores, type Stores } from '../stores/index.js';
import { bringUpLocalServices, LocalServiceError } from '../stores/local/index.js';

/** Prints a command's result as one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** One line on stderr and a non-zero exit; never a stack trace. */
export function fail(error: unknown): never {
  const message =
    error instanceof DomainError || error instanceof LocalServiceError || error instanceof KeyDecryptionError
      ? error.message
      : error instanceof ConfigError
        ? error.message.replace(/\n\s*/g, ' ')
        : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`orgauth: ${message}\n`);
  process.exit(1);
}

/**
 * Runs a command against the stores of the environment, or of the local dev services when
 * MONGODB_URI / REDIS_URL are not set (reusing the FerretDB of a running `orgauth dev`).
 */
export async function withStores<T>(action: (stores: Stores, config: Config) => Promise<T>): Promise<T> {
  const local = await bringUpLocalServices(readEnv());
  let stores: Stores | undefined;
  try {
    const config = loadConfig(local.env);
    stores = await openStores(config, createLogger({ logLevel: 'silent' }), undefined, { readCaches: false });
    return await action(stores, config);
  } finally {
    await stores?.close();
    await local.stop();
  }
}

/** Who the audit log says acted for a command run by an operator. */
export const CLI_ACTOR = { type: 'system', id: 'orgauth-cli' } as const;

/** Records an operator's change in the organization's audit log, as the admin API does for its calls. */
export function auditCli(
  db: Db,
  orgId: string,
  action: string,
  target: { type: string; id: string },
  data?: Record<string, unknown>,
): Promise<void> {
  return recordAudit(db, { orgId, actor: CLI_ACTOR, action, target, ...(data ? { data } : {}) });
}

/** Wraps a commander action: awaits it, prints its JSON result, maps errors to one line. */
export function jsonAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  return async (...args: A) => {
    try {
      printJson(await action(...args));
    } catch (error) {
      fail(error);
    }
  };
}
