import type { Redis } from 'ioredis';
import { sendRiders } from '../../http/limit-counters.js';
import type { Adapter, AdapterClass, AdapterPayload } from './types.js';

/**
 * oidc-provider's adapter over Redis for short-lived models: one hash per record (`payload`, and
 * `consumed` set atomically), expiring with the record, plus index keys for grant, uid and user code.
 * The client's key prefix applies to every key here, including the ones listed in grant sets. A record
 * the request read ahead (an authorization code, src/oidc/code-read-ahead.ts) is not read again.
 */
export function redisAdapterClass(
  redis: Redis,
  readAhead?: (key: string) => Record<string, string> | undefined,
): AdapterClass {
  return class RedisAdapter implements Adapter {
    constructor(readonly name: string) {}

    private key(id: string) {
      return `${this.name}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const ttl = Math.max(1, Math.ceil(expiresIn ?? 3600));
      const tx = redis.multi().del(key).hset(key, 'payload', JSON.stringify(payload)).expire(key, ttl);
      if (payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        tx.sadd(grantKey, key).expire(grantKey, ttl, 'NX').expire(grantKey, ttl, 'GT');
      }
      if (payload.userCode) tx.set(`userCode:${payload.userCode}`, id, 'EX', ttl);
      if (payload.uid) tx.set(`uid:${payload.uid}`, id, 'EX', ttl);
      const results = await tx.exec();
      const failed = results?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const key = this.key(id);
      const record = readAhead?.(key) ?? (await redis.hgetall(key));
      if (!record.payload) return undefined;
      const payload = JSON.parse(record.payload) as AdapterPayload;
      return record.consumed ? { ...payload, consumed: Number(record.consumed) } : payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(`uid:${uid}`);
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(`userCode:${userCode}`);
      return id ? this.find(id) : undefined;
    }

    // Marks the record consumed only if it still exists (HSET would otherwise create a hash without expiry), in
    // the next shared call of the rate-limit script (a code exchange's own limit check is in the one before).
    async consume(id: string): Promise<void> {
      await sendRiders(redis, [{ kind: 'consume', key: this.key(id), at: Math.floor(Date.now() / 1000) }]);
    }

    async destroy(id: string): Promise<void> {
      await redis.del(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grantKey = `grant:${grantId}`;
      const keys = await redis.smembers(grantKey);
      await redis.del(...keys, grantKey);
    }
  };
}
