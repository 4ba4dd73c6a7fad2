import type { Redis } from 'ioredis';
import { runRedisScript } from '../stores/redis-script.js';

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

/**
 * A read or claim a request would send to Redis right after its limits are counted, carried in the same
 * round trip instead (only when the request is not refused). Its answer reaches `settle`.
 */
export type Rider =
  | {
      /** The kept value at `key`, or else the lock `lock` taken for `lockMs` (1) or found taken (0). */
      kind: 'claim';
      key: string;
      lock: string;
      lockMs: number;
      settle(answer: { stored: string | null; locked: boolean }): void;
    }
  | {
      /** The fields of the hash at `key` (empty when there is none). */
      kind: 'hash';
      key: string;
      settle(fields: Record<string, string>): void;
    };

// Every counter of a request in one call, atomically: the first KEYS are the counters, ARGV[1] says how
// many, then ARGV holds (points, window ms, cost) per counter, points -1 meaning unlimited. When one counter
// is full nothing is counted, so a refused request costs no limit anything; otherwise each counter moves by
// its cost, and its first count opens its window. A counter found without an expiry gets one rather than
// refusing forever. The riders follow (their keys after the counters', one ARGV per rider: 'hash', or the
// lock's milliseconds for a claim, whose keys are the kept value and the lock).
const LUA = `
local n = tonumber(ARGV[1])
local refused, wait = 0, 0
for i = 1, n do
  local key = KEYS[i]
  local points, window, cost = tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]), tonumber(ARGV[3*i+1])
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
for i = 1, n do
  local key, cost = KEYS[i], tonumber(ARGV[3*i+1])
  answer[i + 2] = 0
  if cost > 0 then
    answer[i + 2] = redis.call('INCRBY', key, cost)
    if answer[i + 2] == cost then redis.call('PEXPIRE', key, ARGV[3*i]) end
  elseif cost < 0 and tonumber(redis.call('GET', key) or 0) > 0 then
    redis.call('DECRBY', key, -cost)
  end
end
local k = n + 1
for r = 3*n + 2, #ARGV do
  if ARGV[r] == 'hash' then
    answer[#answer + 1] = redis.call('HGETALL', KEYS[k])
    k = k + 1
  else
    local stored = redis.call('GET', KEYS[k])
    if stored then
      answer[#answer + 1] = {stored, 0}
    elseif redis.call('SET', KEYS[k + 1], '1', 'NX', 'PX', ARGV[r]) then
      answer[#answer + 1] = {false, 1}
    else
      answer[#answer + 1] = {false, 0}
    end
    k = k + 2
  end
end
return answer
`;

/** Checks and counts all the counters in one Redis round trip, with the riders' reads when not refused. */
export async function countLimits(redis: Redis, counters: Counter[], riders: Rider[] = []): Promise<Tally> {
  const args = counters.flatMap((c) => [Number.isFinite(c.points) ? c.points : -1, c.windowMs, c.cost]);
  const riderKeys = riders.flatMap((r) => (r.kind === 'hash' ? [r.key] : [r.key, r.lock]));
  const riderArgs = riders.map((r) => (r.kind === 'hash' ? 'hash' : r.lockMs));
  const answer = (await runRedisScript(
    redis,
    'orgauthCountLimits',
    LUA,
    counters.length + riderKeys.length,
    ...counters.map((c) => c.key),
    ...riderKeys,
    counters.length,
    ...args,
    ...riderArgs,
  )) as unknown[];
  const [refused = 0, waitMs = 0] = answer as number[];
  if (refused === 0) {
    riders.forEach((rider, i) => {
      const value = answer[2 + counters.length + i];
      if (rider.kind === 'hash') rider.settle(pairs(value as string[]));
      else {
        const [stored, locked] = value as [string | null, number];
        rider.settle({ stored: stored ?? null, locked: locked === 1 });
      }
    });
  }
  return {
    refusedBy: refused - 1,
    waitMs,
    counts: counters.map((_, i) => (answer[2 + i] as number | undefined) ?? 0),
  };
}

/** HGETALL's flat reply as an object. */
function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}
