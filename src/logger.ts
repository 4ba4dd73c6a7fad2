import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config.js';

/** Paths never written to logs, whatever a caller passes in. */
const REDACT = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.client_secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["orgauth-subject-token"]',
  'res.headers["set-cookie"]',
];

/** JSON lines on stdout, or on `destination` (tests read what a run logged). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'orgauth' },
  };
  return destination ? pino(options, destination) : pino(options);
}
