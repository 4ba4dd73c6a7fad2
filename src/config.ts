import { z } from 'zod';
import { isRedisUrl } from './resource/redis-connection.js';

/**
 * The one place that reads the environment. Everything else receives a validated Config.
 * Secrets have no default in production; `orgauth dev` generates and persists them for local use.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
    REDIS_URL: z
      .string()
      .refine(isRedisUrl, 'must be redis://, rediss:// or redis+sentinel://host:port[,host:port]/master-name'),
    REDIS_KEY_PREFIX: z.string().default('orgauth:'),
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters (use `openssl rand -base64 48`)'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    TRUST_PROXY: booleanFlag.default(false),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    REGISTRATION: z.enum(['open', 'token', 'off']).default('open'),
    REGISTRATION_RATE_LIMIT: z.coerce.number().int().min(1).default(20),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
    TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).default(1200),
    API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
    DEBIT_RATE_LIMIT: z.coerce.number().int().min(1).default(600_000),
    API_AUTH_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
    DEFAULT_RESOURCE: z.url({ protocol: /^https?$/ }).optional(),
    QUERY_SHAPE_LOG: z.string().optional(),
    REFRESH_REUSE_WINDOW_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
    READ_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
    SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
    CIMD_ENABLED: booleanFlag.default(true),
    CIMD_ALLOW_PRIVATE_HOSTS: booleanFlag.default(false),
    CIMD_EXTRA_CA_FILE: z.string().optional(),
    CIMD_CACHE_MIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    CIMD_CACHE_MAX_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.ISSUER?.startsWith('http://')) {
      ctx.addIssue({ code: 'custom', path: ['ISSUER'], message: 'must be https in production' });
    }
    // Fetching client metadata documents from private addresses is for local development only.
    if (env.NODE_ENV === 'production' && env.CIMD_ALLOW_PRIVATE_HOSTS) {
      ctx.addIssue({ code: 'custom', path: ['CIMD_ALLOW_PRIVATE_HOSTS'], message: 'must be false in production' });
    }
    if (env.CIMD_EXTRA_CA_FILE && !env.CIMD_ALLOW_PRIVATE_HOSTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CIMD_EXTRA_CA_FILE'],
        message: 'is a development setting: it needs CIMD_ALLOW_PRIVATE_HOSTS=true',
      });
    }
    if (env.CIMD_CACHE_MIN_SECONDS > env.CIMD_CACHE_MAX_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CIMD_CACHE_MIN_SECONDS'],
        message: 'must not exceed CIMD_CACHE_MAX_SECONDS',
      });
    }
  });

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  issuer: string;
  mongodbUri: string;
  redisUrl: string;
  redisKeyPrefix: string;
  secretKey: string;
  logLevel: (typeof LOG_LEVELS)[number];
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  /** Dynamic client registration: open to public clients, only with an initial access token, or off. */
  registration: 'open' | 'token' | 'off';
  /** Registrations per IP per hour. */
  registrationRateLimit: number;
  /** Failed sign-ins per (IP, account) before a 15-minute lockout, and per IP per hour. */
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  /** Requests per client per minute at the endpoints that authenticate clients (/token, introspection, revocation). */
  tokenRateLimit: number;
  /** Admin API requests per credential (key or token) per minute, debits excepted. */
  apiRateLimit: number;
  /** Debits (POST /api/v1/orgs/{orgId}/credits/debits) per organization per minute. */
  debitRateLimit: number;
  /** Failed admin API authentications per IP in 15 minutes before that IP is refused. */
  apiAuthFailuresPerIp: number;
  /** Resource assumed when a client names none (some MCP clients send no `resource`). */
  defaultResource: string | undefined;
  /** A folder where the shape of every MongoDB read is recorded (to check that indexes serve them). */
  queryShapeLog: string | undefined;
  /** Seconds after a rotation during which the same refresh token gets the same answer again (0: never). */
  refreshReuseWindowSeconds: number;
  /** How often an instance (one at a time) purges expired records and finishes interrupted deletions; 0: never. */
  sweepIntervalSeconds: number;
  /** How long a cached read may live when a change notice is lost (seconds; 0 turns read caches off). */
  readCacheTtlSeconds: number;
  /** Client ID Metadata Documents: https URLs as client ids, fetched and checked (src/oidc/client-id-metadata). */
  clientIdMetadata: ClientIdMetadataConfig;
}

export interface ClientIdMetadataConfig {
  enabled: boolean;
  /** Development only: documents (and their jwks_uri) may live on loopback or private addresses. */
  allowPrivateHosts: boolean;
  /** Development only: a PEM file of an extra certificate authority trusted for those fetches. */
  extraCaFile: string | undefined;
  /** Bounds on how long a fetched document is cached, whatever its HTTP caching headers say. */
  cacheMinSeconds: number;
  cacheMaxSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A copy of the process environment: the only read of `process.env` in the code base. */
export function readEnv(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Validates every variable at once so the operator sees all problems in one error. */
export function loadConfig(source: Record<string, string | undefined> = readEnv()): Config {
  const env = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const message = issue.code === 'invalid_type' && env[name] === undefined ? 'is required' : issue.message;
        return `${name} ${message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    issuer: (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    registration: e.REGISTRATION,
    registrationRateLimit: e.REGISTRATION_RATE_LIMIT,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
    tokenRateLimit: e.TOKEN_RATE_LIMIT,
    apiRateLimit: e.API_RATE_LIMIT,
    debitRateLimit: e.DEBIT_RATE_LIMIT,
    apiAuthFailuresPerIp: e.API_AUTH_FAILURES_PER_IP,
    defaultResource: e.DEFAULT_RESOURCE,
    queryShapeLog: e.QUERY_SHAPE_LOG,
    refreshReuseWindowSeconds: e.REFRESH_REUSE_WINDOW_SECONDS,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    readCacheTtlSeconds: e.READ_CACHE_TTL_SECONDS,
    clientIdMetadata: {
      enabled: e.CIMD_ENABLED,
      allowPrivateHosts: e.CIMD_ALLOW_PRIVATE_HOSTS,
      extraCaFile: e.CIMD_EXTRA_CA_FILE,
      cacheMinSeconds: e.CIMD_CACHE_MIN_SECONDS,
      cacheMaxSeconds: e.CIMD_CACHE_MAX_SECONDS,
    },
  };
}
