import { UnavailableError } from '../errors.js';

/**
 * Whether an error means a store (Redis, MongoDB) is away rather than a bug: such failures answer
 * 503 "temporarily unavailable".
 */
export function isStoreOutage(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  const e = error as { name?: string; message?: string; code?: string } | null;
  if (!e) return false;
  if (/^Mongo(ServerSelection|Network|NotConnected|Topology)/.test(e.name ?? '')) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|enableOfflineQueue/i.test(e.message ?? '');
}
