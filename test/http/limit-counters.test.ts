import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Counter, countLimits, type Rider, sendRiders } from '../../src/http/limit-counters.js';
import { redisRoundTrips } from '../support/redis-monitor.js';

const url = inject('redisUrl');
const prefix = `limits-${randomBytes(4).toString('hex')}:`;
let redis: Redis;
let roundTrips: Awaited<ReturnType<typeof redisRoundTrips>>;
beforeAll(async () => {
  redis = new Redis(url, { keyPrefix: prefix });
  roundTrips = await redisRoundTrips(url, prefix);
});
afterAll(() => {
  roundTrips?.close();
  redis?.disconnect();
});

const counter = (key: string, points: number, cost: Counter['cost'] = 1): Counter => ({
  key,
  points,
  windowMs: 60_000,
  cost,
});

describe('rate-limit counters asked for together', () => {
  it('count exactly the points of a limit under 300 concurrent requests, in fewer round trips than requests', async () => {
    const { result: tallies, trips } = await roundTrips.of(() =>
      Promise.all(Array.from({ length: 300 }, () => countLimits(redis, [counter('shared', 120)]))),
    );
    expect(tallies.filter((t) => t.refusedBy === -1)).toHaveLength(120);
    // Those let through saw every count from 1 to 120 once; those refused were told how long to wait.
    const counts = tallies.filter((t) => t.refusedBy === -1).map((t) => t.counts[0]);
    expect(new Set(counts).size).toBe(120);
    expect(Math.max(...(counts as number[]))).toBe(120);
    for (const refused of tallies.filter((t) => t.refusedBy === 0)) {
      expect(refused.waitMs).toBeGreaterThan(50_000);
      expect(refused.waitMs).toBeLessThanOrEqual(60_000);
    }
    expect(Number(await redis.get('shared'))).toBe(120);
    expect(trips.length).toBeGreaterThan(0);
    expect(trips.length).toBeLessThan(300);
  });

  it('answer each request of a shared call as if it were alone: a refusal counts nothing of it', async () => {
    await redis.set('full', '5', 'PX', 30_000);
    const [refused, counted, unlimited] = await Promise.all([
      countLimits(redis, [counter('partly', 10), counter('full', 5)]),
      countLimits(redis, [counter('partly', 10), counter('other', 3)]),
      countLimits(redis, [counter('free', Number.POSITIVE_INFINITY), counter('other', 3, 0)]),
    ]);
    expect(refused).toMatchObject({ refusedBy: 1 });
    expect(refused.waitMs).toBeGreaterThan(20_000);
    expect(counted).toEqual({ refusedBy: -1, waitMs: 0, counts: [1, 1] });
    // A check (cost 0) moves nothing; an unlimited counter still counts.
    expect(unlimited).toEqual({ refusedBy: -1, waitMs: 0, counts: [1, 0] });
    expect(await redis.mget('partly', 'full', 'other', 'free')).toEqual(['1', '5', '1', '1']);
  });

  it("settle each request's riders with its own keys, and none of a refused request's", async () => {
    await redis.hset('h1', { a: '1' });
    await redis.set('kept', 'value');
    await redis.set('blocked', '1', 'PX', 30_000);
    const settled: Record<string, unknown> = {};
    const hash = (key: string): Rider => ({ kind: 'hash', key, settle: (fields) => (settled[key] = fields) });
    const claim = (key: string, lock: string): Rider => ({
      kind: 'claim',
      key,
      lock,
      lockMs: 5_000,
      settle: (answer) => (settled[`${key}|${lock}`] = answer),
    });
    const tallies = await Promise.all([
      countLimits(redis, [counter('r1', 5)], [hash('h1'), claim('kept', 'lock-a')]),
      countLimits(redis, [counter('blocked', 1)], [hash('h1'), claim('missing-b', 'lock-b')]),
      countLimits(redis, [], [claim('missing-c', 'lock-c'), hash('none')]),
      countLimits(redis, [counter('r2', 5)], [claim('missing-d', 'lock-c')]),
    ]);
    expect(tallies.map((t) => t.refusedBy)).toEqual([-1, 0, -1, -1]);
    expect(settled).toEqual({
      h1: { a: '1' },
      'kept|lock-a': { stored: 'value', locked: false },
      'missing-c|lock-c': { stored: null, locked: true },
      none: {},
      // The lock the request before took is found taken.
      'missing-d|lock-c': { stored: null, locked: false },
    });
    expect(await redis.exists('lock-b')).toBe(0);
  });

  it('keep a value and release its lock, and consume only a hash that exists, sent on their own in shared calls', async () => {
    await redis.set('keep-lock', '1', 'PX', 30_000);
    await redis.hset('code-1', { payload: '{}' });
    const consumed: Record<string, boolean> = {};
    const consume = (key: string): Rider => ({
      kind: 'consume',
      key,
      at: 1_700_000_000,
      settle: (done) => (consumed[key] = done),
    });
    const { trips } = await roundTrips.of(() =>
      Promise.all([
        sendRiders(redis, [{ kind: 'keep', key: 'kept-answer', lock: 'keep-lock', value: 'sealed', seconds: 30 }]),
        sendRiders(redis, [consume('code-1')]),
        sendRiders(redis, [consume('code-gone')]),
        countLimits(redis, [counter('beside', 5)], [consume('code-2')]),
        ...Array.from({ length: 20 }, (_, i) =>
          sendRiders(redis, [
            { kind: 'keep', key: `many-${i}`, lock: `many-lock-${i}`, value: String(i), seconds: 30 },
          ]),
        ),
      ]),
    );
    expect(await redis.get('kept-answer')).toBe('sealed');
    expect(await redis.ttl('kept-answer')).toBeGreaterThan(25);
    expect(await redis.exists('keep-lock')).toBe(0);
    expect(consumed).toEqual({ 'code-1': true, 'code-gone': false, 'code-2': false });
    expect(await redis.hgetall('code-1')).toEqual({ payload: '{}', consumed: '1700000000' });
    // A consumed record that was not there is not created (it would have no expiry).
    expect(await redis.exists('code-gone', 'code-2')).toBe(0);
    expect(await redis.mget('many-0', 'many-19')).toEqual(['0', '19']);
    expect(trips.length).toBeLessThan(24);
  });

  it('reject every request of a call Redis cannot run, and count again once it can', async () => {
    const broken = new Redis(url, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 0 });
    broken.disconnect();
    await expect(
      Promise.all([countLimits(broken, [counter('down', 5)]), countLimits(broken, [counter('down', 5)])]),
    ).rejects.toThrow();
    await broken.connect();
    await expect(countLimits(broken, [counter('down', 5)])).resolves.toMatchObject({ refusedBy: -1, counts: [1] });
    broken.disconnect();
  });
});
