import type { Redis } from 'ioredis';

type Script = (keys: number, ...args: Array<string | number>) => Promise<unknown>;

/**
 * Runs a Lua script as a command of this client (ioredis defineCommand, once per client and name): sent by
 * EVALSHA, by EVAL once after Redis forgets it (a restart). One round trip, however many commands it runs
 * inside Redis. Names start with `orgauth`, apart from ioredis's own commands.
 */
export function runRedisScript(
  redis: Redis,
  name: string,
  lua: string,
  keys: number,
  ...args: Array<string | number>
): Promise<unknown> {
  const commands = redis as unknown as Record<string, Script | undefined>;
  if (!commands[name]) redis.defineCommand(name, { lua });
  const script = commands[name];
  if (!script) throw new Error(`ioredis did not define the script ${name}`);
  return script.call(redis, keys, ...args);
}
