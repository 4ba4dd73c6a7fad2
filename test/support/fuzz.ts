import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Db } from '../../src/stores/db.js';

/** An injection attempt for a JSON field: a MongoDB query operator where a value belongs. */
export const OPERATOR = { $gt: '' };

/** Bytes that are not UTF-8. */
export const INVALID_UTF8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]);

/** Text and raw bytes joined into one request body. */
export const bytes = (...parts: Array<string | Uint8Array>) =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));

/** Strings that must stay plain text wherever they land (ids, names, query values). */
export const HOSTILE_STRINGS = ['{"$gt":""}', '$where', '$ne', '../../etc/passwd', "'; DROP TABLE users; --", '\u0000'];

/** Every collection's documents, minus fields that authentication itself refreshes (last use). */
export async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const native = db.connection.db;
  if (!native) throw new Error('no database');
  const names = (await native.listCollections().toArray()).map((c) => c.name).sort();
  const result: Record<string, unknown[]> = {};
  for (const name of names) {
    const docs = await native.collection(name).find().sort({ _id: 1 }).toArray();
    result[name] = docs.map(({ lastUsedAt: _used, updatedAt: _updated, ...rest }) => rest);
  }
  return result;
}

/**
 * Rate-limit and sign-in throttling counters: refused requests may count there (that is their job),
 * but they hold nothing of anyone's.
 */
const COUNTERS =
  /^(admin-api|admin-api-auth-failures|credit-debits|client-auth|registration-ip|login-fail-account|login-fail-ip|login-delay):/;

/** The Redis keys of this test file's prefix, minus counters. */
export async function redisKeys(redis: Redis): Promise<string[]> {
  const prefix = redis.options.keyPrefix ?? '';
  const keys: string[] = [];
  let cursor = '0';
  do {
    // SCAN patterns are not prefixed by the client: the prefix is spelled out here.
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.map((key) => key.slice(prefix.length)));
  } while (cursor !== '0');
  return keys.filter((key) => !COUNTERS.test(key)).sort();
}

/**
 * A body sent with a Content-Encoding that lies about it: not compressed at all, cut short, in an
 * encoding no one supports, or a small gzip that inflates past any body limit.
 */
export function misencoded(
  raw: string,
): Array<{ what: string; encoding: string; body: Uint8Array<ArrayBuffer>; status?: number }> {
  const plain = new TextEncoder().encode(raw);
  return [
    { what: 'gzip that is not gzip', encoding: 'gzip', body: plain },
    { what: 'truncated gzip', encoding: 'gzip', body: new Uint8Array(gzipSync(raw).subarray(0, 12)) },
    { what: 'brotli that is not brotli', encoding: 'br', body: plain },
    { what: 'unknown encoding', encoding: 'compress', body: plain, status: 415 },
    { what: 'gzip bomb', encoding: 'gzip', body: new Uint8Array(gzipSync(raw + ' '.repeat(2_000_000))), status: 413 },
  ];
}

export interface Answer {
  label: string;
  status: number;
  type: string;
  text: string;
}

export async function answer(label: string, request: Promise<Response>): Promise<Answer> {
  const response = await request;
  return {
    label,
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** Runs the requests `width` at a time. */
export async function inBatches<T>(jobs: Array<() => Promise<T>>, width = 16): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += width) {
    results.push(...(await Promise.all(jobs.slice(i, i + width).map((job) => job()))));
  }
  return results;
}

/** A 4xx, never a 5xx, and no stack trace or internal message in the body. */
export function expectClientError(a: Answer) {
  const where = `${a.label} → ${a.status} ${a.text.slice(0, 300)}`;
  expect(a.status, where).toBeGreaterThanOrEqual(400);
  expect(a.status, where).toBeLessThan(500);
  expect(a.text, where).not.toMatch(/\bat [\w.<>]+ \(|node_modules|Mongo\w*Error|E11000|TypeError|SyntaxError: /);
}

/** RFC 9457: a problem document with a type, a title and the status. */
export function expectProblem(a: Answer) {
  expectClientError(a);
  const where = `${a.label} → ${a.status} ${a.text.slice(0, 300)}`;
  // The HTTP server itself refuses a request line or headers that are too long, before any app code runs.
  if (a.status === 431 || a.status === 414) return;
  expect(a.type, where).toContain('application/problem+json');
  expect(JSON.parse(a.text), where).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: a.status,
  });
}

/** RFC 6749: a JSON body with an `error` code. */
export function expectOAuthError(a: Answer) {
  expectClientError(a);
  const where = `${a.label} → ${a.status} ${a.text.slice(0, 300)}`;
  if (a.status === 431 || a.status === 414) return;
  expect(a.type, where).toContain('application/json');
  expect(JSON.parse(a.text), where).toMatchObject({ error: expect.any(String) });
}

/** A readable page: HTML with a heading, not JSON. */
export function expectPage(a: Answer) {
  expectClientError(a);
  const where = `${a.label} → ${a.status} ${a.text.slice(0, 300)}`;
  if (a.status === 431 || a.status === 414) return;
  expect(a.type, where).toContain('text/html');
  expect(a.text, where).toMatch(/<h1>/);
}
