import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import type { Stores } from '../../src/stores/index.js';
import { startRedisServer } from '../../src/stores/local/redis-server.js';
import { answerWithoutHanging, eventually, startTestServer, testConfig } from '../support/harness.js';

// This file runs its own redis-server so it can stop and restart it.
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let server: RunningServer & { stores: Stores };

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startTestServer(testConfig({ REDIS_URL: redis.url }));
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

async function readyz() {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}

describe('health and readiness', () => {
  it('answers /healthz while the process is up', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('turns /readyz to 503 naming Redis while it is stopped, and back to 200 when it returns', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ok', checks: { mongodb: 'up', redis: 'up' } } });

    await redis.stop();
    const down = await eventually(async () => {
      const result = await readyz();
      expect(result.status).toBe(503);
      return result;
    });
    expect(down.body).toEqual({ status: 'unavailable', checks: { mongodb: 'up', redis: 'down' } });

    expect((await answerWithoutHanging(readyz(), '/readyz')).status).toBe(503);

    redis = await startRedisServer(redis.port);
    await eventually(async () => expect(await readyz()).toMatchObject({ status: 200 }), { timeoutMs: 15_000 });
  });
});
