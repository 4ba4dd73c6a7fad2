import type { Redis } from 'ioredis';
import { UnavailableError } from '../../errors.js';
import type { Db } from '../../stores/db.js';
import { isStoreOutage } from '../../stores/outage.js';
import { mongoAdapterClass } from './mongo-adapter.js';
import { redisAdapterClass } from './redis-adapter.js';
import { type Adapter, type AdapterClass, type AdapterHooks, LONG_LIVED_MODELS } from './types.js';

export { LONG_LIVED_MODELS } from './types.js';

const longLived = new Set<string>(LONG_LIVED_MODELS);

/** Turns a store outage into UnavailableError, which every surface answers with 503. */
function guarded(adapter: Adapter, store: string, isOutage: (error: unknown) => boolean): Adapter {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (error) {
          if (!isOutage(error)) throw error;
          throw new UnavailableError(`${store} is unavailable: ${(error as Error).message}`, { cause: error });
        }
      };
    },
  });
}

/**
 * The `adapter` option of oidc-provider: long-lived models in MongoDB (they must survive a Redis
 * restart), short-lived ones (interactions, codes, PAR, replay detection, device codes) in Redis.
 */
export function createAdapterFactory(stores: { db: Db; redis: Redis }, hooks: AdapterHooks = {}): AdapterClass {
  const Mongo = mongoAdapterClass(stores.db, hooks);
  const RedisBacked = redisAdapterClass(stores.redis, hooks.readAhead);
  return class OrgauthAdapter {
    constructor(name: string) {
      // biome-ignore lint/correctness/noConstructorReturn: oidc-provider instantiates the adapter class per model
      return longLived.has(name)
        ? guarded(new Mongo(name), 'MongoDB', isStoreOutage)
        : guarded(new RedisBacked(name), 'Redis', () => true);
    }
  } as unknown as AdapterClass;
}
