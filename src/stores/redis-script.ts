import type { Redis } from 'ioredis';

export type RedisScript = (keys: number, ...args: Array<string | number>) => Promise<unknown>;

const defined = new WeakMap<Redis, Map<string, RedisScript>>();

/**
 * A Lua script as a command of this client (ioredis defineCommand): sent by EVALSHA, by EVAL once after
 * Redis forgets it (a restart). One round trip, however many commands it runs inside Redis.
 */
export function redisScript(redis: Redis, name: string, lua: string): RedisScript {
  let scripts = defined.get(redis);
  if (!scripts) {
    scripts = new Map();
    defined.set(redis, scripts);
  }
  let script = scripts.get(name);
  if (!script) {
    redis.defineCommand(name, { lua });
    script = (redis as unknown as Record<string, RedisScript>)[name]?.bind(redis);
    if (!script) throw new Error(`ioredis did not define the script ${name}`);
    scripts.set(name, script);
  }
  return script;
}
