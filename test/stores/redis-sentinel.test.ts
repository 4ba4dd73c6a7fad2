import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationFeed } from '../../src/resource/index.js';
import { openRedis } from '../../src/resource/redis-connection.js';
import { freePort, spawnService, stopChild, waitForPort } from '../../src/stores/local/processes.js';
import { findRedisServer, startRedisServer } from '../../src/stores/local/redis-server.js';
import { eventually, startTestServer, testConfig } from '../support/harness.js';

// A real Sentinel deployment in miniature: a primary, a replica and one sentinel (redis-server --sentinel).
const dir = mkdtempSync(join(tmpdir(), 'orgauth-sentinel-'));
let primary: Awaited<ReturnType<typeof startRedisServer>>;
let replica: Awaited<ReturnType<typeof startRedisServer>>;
let sentinel: { child: ReturnType<typeof spawnService>['child']; port: number };
let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
let config: ReturnType<typeof testConfig>;

async function currentPrimaryPort(): Promise<number> {
  const asker = new Redis(sentinel.port, '127.0.0.1', { lazyConnect: true });
  await asker.connect();
  const [, port] = (await asker.call('SENTINEL', 'get-master-addr-by-name', 'orgauth')) as [string, string];
  asker.disconnect();
  return Number(port);
}

beforeAll(async () => {
  primary = await startRedisServer();
  replica = await startRedisServer();
  const toReplica = new Redis(replica.port, '127.0.0.1');
  await toReplica.call('REPLICAOF', '127.0.0.1', String(primary.port));
  toReplica.disconnect();
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor orgauth 127.0.0.1 ${primary.port} 1`,
      'sentinel down-after-milliseconds orgauth 1000',
      'sentinel failover-timeout orgauth 5000',
      '',
    ].join('\n'),
  );
  const started = spawnService('Redis Sentinel', findRedisServer(), [conf, '--sentinel']);
  await waitForPort(started.child, port, 'Redis Sentinel');
  sentinel = { child: started.child, port };
  // The sentinel learns about the replica from the primary.
  await eventually(
    async () => {
      const asker = new Redis(port, '127.0.0.1');
      const replicas = (await asker.call('SENTINEL', 'replicas', 'orgauth')) as unknown[];
      asker.disconnect();
      expect(replicas.length).toBe(1);
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  url = `redis+sentinel://127.0.0.1:${port}/orgauth`;
  config = testConfig({ REDIS_URL: url });
  server = await startTestServer(config);
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (sentinel) await stopChild(sentinel.child);
  await replica?.stop();
  await primary?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis through Sentinel (REDIS_URL=redis+sentinel://…)', () => {
  it('finds the primary, and follows a failover to the replica without a restart', { timeout: 60_000 }, async () => {
    expect(await currentPrimaryPort()).toBe(primary.port);
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toMatchObject({ checks: { redis: 'up' } });
    await server.stores.redis.set('sentinel-probe', 'before');
    const onReplica = new Redis(replica.port, '127.0.0.1', { keyPrefix: config.redisKeyPrefix });
    await eventually(async () => expect(await onReplica.get('sentinel-probe')).toBe('before'), { timeoutMs: 10_000 });
    onReplica.disconnect();

    const feed = revocationFeed({ redisUrl: url, keyPrefix: config.redisKeyPrefix, logger: { warn: () => {} } });
    await feed.ready();

    const admin = new Redis(sentinel.port, '127.0.0.1');
    await admin.call('SENTINEL', 'failover', 'orgauth');
    admin.disconnect();
    await eventually(async () => expect(await currentPrimaryPort()).toBe(replica.port), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });

    // Writes succeed again on the new primary, and what was written before the failover is there.
    await eventually(
      async () => {
        await server.stores.redis.set('sentinel-probe-after', 'after');
        expect(await server.stores.redis.get('sentinel-probe')).toBe('before');
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await eventually(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200));

    // Revocation notices published after the failover reach a middleware's feed that also follows it.
    const heard: string[] = [];
    feed.onNotice((notice) => heard.push(notice.kind === 'client' ? notice.clientId : notice.kind));
    await eventually(
      async () => {
        await server.oidc.publisher.publish({ kind: 'client', clientId: 'after-failover', at: Date.now() });
        expect(heard).toContain('after-failover');
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await feed.close();
  });

  it('is read from REDIS_URL by openRedis, with credentials and database', () => {
    const client = openRedis('redis+sentinel://app:s%40cret@10.0.0.1:26379,10.0.0.2/main/2', { lazyConnect: true });
    expect(client.options).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      name: 'main',
      username: 'app',
      password: 's@cret',
      db: 2,
    });
    client.disconnect();
  });
});
