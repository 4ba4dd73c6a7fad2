import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPresentedClientSecrets } from '../../src/oidc/hashed-client-secrets.js';
import { refreshReplayWindow, replayKey } from '../../src/oidc/refresh-replay.js';

// The refresh replay window (src/oidc/refresh-replay.ts) in front of a stand-in token endpoint that rotates:
// each call hands out a new pair, as oidc-provider does. The whole app runs against the real Redis.

const url = inject('redisUrl');
const prefix = `replay-${randomBytes(4).toString('hex')}:`;
let origin: string;
let server: ReturnType<Koa['listen']>;
let redis: Redis;
/** Reads what the window kept, on a connection of its own. */
let check: Redis;
let rotations = 0;
/** Set by a test: what happens to Redis while the token endpoint rotates. */
let duringRotation: (() => void) | undefined;

beforeAll(async () => {
  // No retries and no offline queue: a command sent while disconnected fails at once.
  redis = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  check = new Redis(url, { keyPrefix: prefix });
  const window = refreshReplayWindow(redis, 30);
  const app = new Koa();
  app.use(hashPresentedClientSecrets());
  app.use(window.middleware);
  app.use((ctx) => {
    rotations += 1;
    duringRotation?.();
    ctx.status = 200;
    ctx.body = { access_token: `at-${rotations}`, refresh_token: `rt-${rotations}`, token_type: 'Bearer' };
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  redis?.disconnect();
  check?.disconnect();
});

const refresh = (refreshToken: string) =>
  fetch(`${origin}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('client-a:secret-a').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });

describe('refresh replay window', () => {
  it('answers a repeat within the window with the first answer, kept sealed in Redis', async () => {
    const token = `rt-${randomBytes(8).toString('hex')}`;
    const before = rotations;
    const first = await refresh(token);
    const again = await refresh(token);
    expect(first.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(rotations).toBe(before + 1);
    const kept = await check.get(replayKey(token));
    expect(kept).toBeTruthy();
    // Sealed: the answer's tokens are not readable in Redis.
    expect(kept).not.toContain('at-');
    expect(await check.ttl(replayKey(token))).toBeGreaterThan(25);
  });

  it('still hands out a rotation whose answer Redis can no longer keep', async () => {
    const token = `rt-${randomBytes(8).toString('hex')}`;
    duringRotation = () => redis.disconnect();
    try {
      const answer = await refresh(token);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ access_token: `at-${rotations}`, refresh_token: `rt-${rotations}` });
    } finally {
      duringRotation = undefined;
    }
    expect(await check.exists(replayKey(token))).toBe(0);
  });
});
