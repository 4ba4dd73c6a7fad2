import mongoose, { type Connection } from 'mongoose';
import { UnavailableError } from '../errors.js';
import { attachQueryLog } from './query-log.js';

/** Opens a connection of our own (never the global mongoose one), so tests can hold several. */
export async function connectMongo(uri: string, dbName?: string, queryShapeLog?: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 3000,
    connectTimeoutMS: 3000,
    // Fail fast instead of queueing operations while the database is away.
    bufferCommands: false,
    monitorCommands: queryShapeLog !== undefined,
  });
  if (queryShapeLog) attachQueryLog(connection.getClient(), queryShapeLog);
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new UnavailableError(`MongoDB is not reachable at ${redactUri(uri)}: ${(error as Error).message}`);
  }
  return connection;
}

export async function pingMongo({ connection }: { connection: Connection }, timeoutMs = 1500): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  return withTimeout(
    db.command({ ping: 1 }).then(() => true),
    timeoutMs,
  ).catch(() => false);
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, '//***@');
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
