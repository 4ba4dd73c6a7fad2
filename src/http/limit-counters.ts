import type { Redis } from 'ioredis';

/** One fixed-window counter of a rate limit, kept in Redis so that every instance shares it. */
export interface Counter {
  /** The Redis key (the client adds REDIS_KEY_PREFIX). */
  key: string;
  /** The most one window may count; Infinity never refuses. */
  points: number;
  windowMs: number;
  /** 1 counts the request; 0 only checks that one more would fit (a penalty limit); -1 gives a count back. */
  cost: 1 | 0 | -1;
}

export interface Tally {
  /** The counter that refused (of the full ones, the one with the longest wait), or -1. */
  refusedBy: number;
  /** Milliseconds until the refusing counter's window ends. */
  waitMs: number;
  /** What each counter holds after a counting cost of 1 (0 for the others, and when refused). */
  counts: number[];
}

// Every counter of a request in one call, atomically: KEYS are the counters, ARGV holds (points, window ms,
// cost) per key, points -1 meaning unlimited. When one counter is full nothing is counted, so a refused
// request costs no limit anything; otherwise each counter moves by its cost, and its first count opens its
// window. A counter found without an expiry gets one rather than refusing forever.
const LUA = `
local refused, wait = 0, 0
for i, key in ipairs(KEYS) do
  local points, window, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  if points >= 0 and cost >= 0 and tonumber(redis.call('GET', key) or 0) + math.max(cost, 1) > points then
    local left = redis.call('PTTL', key)
    if left <= 0 then
      left = window
      redis.call('PEXPIRE', key, window)
    end
    if left > wait then refused, wait = i, left end
  end
end
if refused > 0 then return {refused, wait} end
local answer = {0, 0}
for i, key in ipairs(KEYS) do
  local cost = tonumber(ARGV[3*i])
  answer[i + 2] = 0
  if cost > 0 then
    answer[i + 2] = redis.call('INCRBY', key, cost)
    if answer[i + 2] == cost then redis.call('PEXPIRE', key, ARGV[3*i-1]) end
  elseif cost < 0 and tonumber(redis.call('GET', key) or 0) > 0 then
    redis.call('DECRBY', key, -cost)
  end
end
return answer
`;

type CountScript = (keys: number, ...args: Array<string | number>) => Promise<number[]>;
const SCRIPT = 'orgauthCountLimits';
const scripts = new WeakMap<Redis, CountScript>();

/** The script as a command of this client: sent by EVALSHA, and by EVAL once after Redis forgets it. */
function scriptOn(redis: Redis): CountScript {
  let script = scripts.get(redis);
  if (!script) {
    redis.defineCommand(SCRIPT, { lua: LUA });
    script = (redis as unknown as Record<string, CountScript>)[SCRIPT]?.bind(redis);
    if (!script) throw new Error('ioredis did not define the rate-limit script');
    scripts.set(redis, script);
  }
  return script;
}

/** Checks and counts all the counters in one Redis round trip. */
export async function countLimits(redis: Redis, counters: Counter[]): Promise<Tally> {
  const args = counters.flatMap((c) => [Number.isFinite(c.points) ? c.points : -1, c.windowMs, c.cost]);
  const [refused = 0, waitMs = 0, ...counts] = await scriptOn(redis)(
    counters.length,
    ...counters.map((c) => c.key),
    ...args,
  );
  return { refusedBy: refused - 1, waitMs, counts: counters.map((_, i) => counts[i] ?? 0) };
}
