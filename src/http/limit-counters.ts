import type { Redis } from 'ioredis';
import { groupCommit } from '../stores/group-commit.js';
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
 * A read or write a request would send to Redis on its own, carried in a shared round trip instead: with the
 * request's limits (then only when the request is not refused), or later with other requests' (sendRiders).
 * Its answer reaches `settle`.
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
    }
  | {
      /** Keeps `value` at `key` for `seconds` and releases the lock `lock` (a claim's, taken earlier). */
      kind: 'keep';
      key: string;
      lock: string;
      value: string;
      seconds: number;
    }
  | {
      /** Sets the field `consumed` of the hash at `key` to `at`, only if the hash exists (1 when it did). */
      kind: 'consume';
      key: string;
      at: number;
      settle?(consumed: boolean): void;
    };

/** The Redis keys of a rider, in the order the script reads them. */
const riderKeys = (r: Rider) => (r.kind === 'claim' || r.kind === 'keep' ? [r.key, r.lock] : [r.key]);
/** The script's arguments of a rider: its kind, then what that kind needs. */
const riderArgs = (r: Rider): Array<string | number> =>
  r.kind === 'hash'
    ? ['hash']
    : r.kind === 'claim'
      ? ['claim', r.lockMs]
      : r.kind === 'keep'
        ? ['keep', r.seconds, r.value]
        : ['consume', r.at];

// The counters of every request in the batch, in one call. ARGV[1] says how many requests; each request
// then has (counters, riders) counts, (points, window ms, cost) per counter, points -1 meaning unlimited,
// and per rider its kind and arguments (riderArgs). KEYS hold each request's counters then its riders'
// keys (riderKeys), in the same order.
// Each request is answered on its own, atomically: when one of its counters is full nothing of it is
// counted, so a refused request costs no limit anything; otherwise each counter moves by its cost, and its
// first count opens its window. A counter found without an expiry gets one rather than refusing forever.
const LUA = `
local answers = {}
local a, k = 2, 1
for q = 1, tonumber(ARGV[1]) do
  local n, m = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local base = a + 2
  local refused, wait = 0, 0
  for i = 1, n do
    local key = KEYS[k + i - 1]
    local p = base + 3 * (i - 1)
    local points, window, cost = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
    if points >= 0 and cost >= 0 and tonumber(redis.call('GET', key) or 0) + math.max(cost, 1) > points then
      local left = redis.call('PTTL', key)
      if left <= 0 then
        left = window
        redis.call('PEXPIRE', key, window)
      end
      if left > wait then refused, wait = i, left end
    end
  end
  local answer = {refused, wait}
  if refused == 0 then
    for i = 1, n do
      local key, p = KEYS[k + i - 1], base + 3 * (i - 1)
      local cost = tonumber(ARGV[p + 2])
      answer[i + 2] = 0
      if cost > 0 then
        answer[i + 2] = redis.call('INCRBY', key, cost)
        if answer[i + 2] == cost then redis.call('PEXPIRE', key, ARGV[p + 1]) end
      elseif cost < 0 and tonumber(redis.call('GET', key) or 0) > 0 then
        redis.call('DECRBY', key, -cost)
      end
    end
  end
  k = k + n
  local r = base + 3 * n
  for _ = 1, m do
    local kind = ARGV[r]
    if kind == 'hash' then
      if refused == 0 then answer[#answer + 1] = redis.call('HGETALL', KEYS[k]) end
      k, r = k + 1, r + 1
    elseif kind == 'claim' then
      if refused == 0 then
        local stored = redis.call('GET', KEYS[k])
        if stored then
          answer[#answer + 1] = {stored, 0}
        elseif redis.call('SET', KEYS[k + 1], '1', 'NX', 'PX', ARGV[r + 1]) then
          answer[#answer + 1] = {false, 1}
        else
          answer[#answer + 1] = {false, 0}
        end
      end
      k, r = k + 2, r + 2
    elseif kind == 'keep' then
      if refused == 0 then
        redis.call('SET', KEYS[k], ARGV[r + 2], 'EX', ARGV[r + 1])
        redis.call('DEL', KEYS[k + 1])
        answer[#answer + 1] = 1
      end
      k, r = k + 2, r + 3
    else
      if refused == 0 then
        local consumed = 0
        if redis.call('EXISTS', KEYS[k]) == 1 then
          redis.call('HSET', KEYS[k], 'consumed', ARGV[r + 1])
          consumed = 1
        end
        answer[#answer + 1] = consumed
      end
      k, r = k + 1, r + 2
    end
  end
  answers[q] = answer
  a = r
end
return answers
`;

/** The most requests one script call counts (each runs a few Redis commands inside it). */
const MAX_BATCH = 64;

interface Ask {
  counters: Counter[];
  riders: Rider[];
  answer?: unknown[];
}

/** Redis's calls of one client: asks made while one is in flight go together as the next (group commit). */
const batches = new WeakMap<Redis, (ask: Ask) => Promise<void>>();

function batchOf(redis: Redis) {
  let send = batches.get(redis);
  if (!send) {
    send = groupCommit<Ask>(async (asks) => {
      const keys = asks.flatMap(({ counters, riders }) => [
        ...counters.map((c) => c.key),
        ...riders.flatMap(riderKeys),
      ]);
      const args = asks.flatMap(({ counters, riders }) => [
        counters.length,
        riders.length,
        ...counters.flatMap((c) => [Number.isFinite(c.points) ? c.points : -1, c.windowMs, c.cost]),
        ...riders.flatMap(riderArgs),
      ]);
      const answers = (await runRedisScript(
        redis,
        'orgauthCountLimits',
        LUA,
        keys.length,
        ...keys,
        asks.length,
        ...args,
      )) as unknown[][];
      asks.forEach((ask, i) => {
        ask.answer = answers[i];
      });
    }, MAX_BATCH);
    batches.set(redis, send);
  }
  return send;
}

/**
 * Checks and counts all the counters in one Redis round trip, with the riders' reads when not refused.
 * Requests that count while another's call is in flight share the next call: under load, one round trip
 * serves many requests, each still answered atomically and as if alone.
 */
export async function countLimits(redis: Redis, counters: Counter[], riders: Rider[] = []): Promise<Tally> {
  const ask: Ask = { counters, riders };
  await batchOf(redis)(ask);
  const answer = ask.answer ?? [];
  const [refused = 0, waitMs = 0] = answer as number[];
  if (refused === 0) {
    riders.forEach((rider, i) => {
      const value = answer[2 + counters.length + i];
      if (rider.kind === 'hash') rider.settle(pairs(value as string[]));
      else if (rider.kind === 'claim') {
        const [stored, locked] = value as [string | null, number];
        rider.settle({ stored: stored ?? null, locked: locked === 1 });
      } else if (rider.kind === 'consume') rider.settle?.(value === 1);
    });
  }
  return {
    refusedBy: refused - 1,
    waitMs,
    counts: counters.map((_, i) => (answer[2 + i] as number | undefined) ?? 0),
  };
}

/**
 * Riders sent on their own, after a request's limits (a kept answer, a consumed record): they go in the
 * next shared call, with the counters and riders of other requests, so under load they cost no round trip
 * of their own. Rejects when the call fails.
 */
export async function sendRiders(redis: Redis, riders: Rider[]): Promise<void> {
  await countLimits(redis, [], riders);
}

/** HGETALL's flat reply as an object. */
function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}
