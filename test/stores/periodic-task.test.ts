import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/stores/index.js';
import { periodicTask } from '../../src/stores/periodic-task.js';
import { sweepExpiredAcrossOrganizations } from '../../src/stores/sweep.js';
import { openTestStores, SOON_MS } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

const HOUR = 3_600_000;
const never = (error: unknown) => {
  throw error;
};

describe('background work shared by instances', () => {
  it('runs on one instance at a time, and again once the holder is done', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: string[] = [];
    const instance = (label: string, work: () => Promise<void>) =>
      periodicTask({
        redis: stores.redis,
        name: 'one-at-a-time',
        everyMs: HOUR,
        lockMs: HOUR,
        run: async () => {
          runs.push(label);
          await work();
        },
        onError: never,
      });
    const first = instance('first', () => held);
    const second = instance('second', async () => undefined);
    const running = first.runOnce();
    await expect.poll(() => runs).toEqual(['first']);
    // The same instance and another one both find it taken.
    expect(await first.runOnce()).toBe('busy');
    expect(await second.runOnce()).toBe('busy');
    release();
    expect(await running).toBe('ran');
    expect(await second.runOnce()).toBe('ran');
    expect(runs).toEqual(['first', 'second']);
    await Promise.all([first.stop(), second.stop()]);
  });

  it('a lock left by a crashed holder is taken once it expires', async () => {
    await stores.redis.set('task-lock:crashed-holder', 'someone else', 'PX', 300);
    const task = periodicTask({
      redis: stores.redis,
      name: 'crashed-holder',
      everyMs: HOUR,
      lockMs: HOUR,
      run: async () => undefined,
      onError: never,
    });
    expect(await task.runOnce()).toBe('busy');
    await expect.poll(() => task.runOnce(), { timeout: SOON_MS }).toBe('ran');
    await task.stop();
  });

  it('stopping ends a long sweep between batches, and the next run goes on where it stopped', {
    timeout: 120_000,
  }, async () => {
    const tokens = stores.db.connection.collection<{ _id: string; payload: string; expiresAt: Date }>(
      'oidc_AccessToken',
    );
    const past = new Date(Date.now() - 60_000);
    await tokens.insertMany(
      Array.from({ length: 5_000 }, (_, i) => ({ _id: `old-${i}`, payload: '{}', expiresAt: past })),
    );
    let batches = 0;
    let swept = 0;
    const task = periodicTask({
      redis: stores.redis,
      name: 'sweep',
      everyMs: HOUR,
      lockMs: HOUR,
      run: async (signal) => {
        await sweepExpiredAcrossOrganizations(
          stores.db,
          new Date(),
          (_collection, deleted) => {
            batches += 1;
            swept += deleted;
            if (batches === 2) void task.stop();
          },
          signal,
        );
      },
      onError: never,
    });
    expect(await task.runOnce()).toBe('ran');
    expect(batches).toBe(2);
    expect(swept).toBeGreaterThan(0);
    expect(await tokens.countDocuments({})).toBe(5_000 - swept);
    // A stopped task does not start again; another instance finishes the work.
    expect(await task.runOnce()).toBe('busy');
    expect(await sweepExpiredAcrossOrganizations(stores.db)).toBe(5_000 - swept);
  });
});
