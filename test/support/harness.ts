import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { openStores, type Stores } from '../../src/stores/index.js';

/** A database name and Redis key prefix of this test file's own. */
export function isolatedNames() {
  const suffix = randomBytes(5).toString('hex');
  return { dbName: `test_${suffix}`, redisPrefix: `test-${suffix}:` };
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const { dbName, redisPrefix } = isolatedNames();
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    MONGODB_URI: `${inject('mongoUri')}${dbName}`,
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: redisPrefix,
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    LOG_LEVEL: 'silent',
    // Load tests send thousands of requests with one credential; test/hardening/rate-limits.test.ts sets its own.
    TOKEN_RATE_LIMIT: '1000000',
    API_RATE_LIMIT: '1000000',
    API_AUTH_FAILURES_PER_IP: '1000000',
    QUERY_SHAPE_LOG: inject('queryShapeLog'),
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}

/** Real FerretDB + Redis connections for one test file. */
export async function openTestStores(config: Config = testConfig()): Promise<Stores> {
  return openStores(config, createLogger(config));
}

/** The real app on a free port, over this file's own stores. */
export async function startTestServer(
  config: Config = testConfig(),
  logger = createLogger(config),
): Promise<RunningServer & { stores: Stores }> {
  const stores = await openTestStores(config);
  const running = await startServer(config, stores, logger);
  return { ...running, stores };
}

/**
 * The bound for "answers instead of hanging" while a store is away. The server gives up on its own
 * after 1.5 s (Redis ping) or 3 s (MongoDB server selection); without that a request would wait for
 * the driver's 30 s default or forever. 15 s tells the two apart with room for a busy 2-CPU machine;
 * how fast the answers really are (the 5 s promise) is measured by bench/outages.ts, not asserted here.
 */
export const ANSWERS_WITHOUT_HANGING_MS = 15_000;

/**
 * The answer of a request made while a store is away, or a failure naming it when none has come by
 * ANSWERS_WITHOUT_HANGING_MS: a hang is told apart from an answer, whatever the answer's speed.
 */
export async function answerWithoutHanging<T>(request: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hanging = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${ANSWERS_WITHOUT_HANGING_MS} ms: it hangs`)),
      ANSWERS_WITHOUT_HANGING_MS,
    );
  });
  try {
    return await Promise.race([request, hanging]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The deadline for what happens within milliseconds to a second (a revocation notice reaching a
 * resource server or another instance, a one-second record expiring, an expired lock taken over).
 * 15 s leaves room for a busy 2-CPU machine and still tells the mechanism apart from what else could
 * explain the change (an hour-long cache TTL, a token's expiry); the real latency is measured in
 * bench/ (read-cache-notices.ts), not asserted here.
 */
export const SOON_MS = 15_000;

/** Polls until the check passes or the deadline passes; no fixed sleeps. */
export async function eventually<T>(
  check: () => Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw lastError;
}
