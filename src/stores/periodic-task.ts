import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface PeriodicTask {
  /** Runs the task now unless it is running here or on another instance: 'ran' or 'busy'. */
  runOnce(): Promise<'ran' | 'busy'>;
  /** Stops the timer, asks a running task to stop (its signal) and waits for it. */
  stop(): Promise<void>;
}

// Deletes the lock only while it still holds this run's token (it may have expired and been taken since).
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * Background work every instance schedules but only one should do at a time (the expired-record sweep,
 * finishing interrupted deletions): never two runs in one process, and across instances a Redis lock
 * (`task-lock:<name>`) held while it runs. The lock expires after `lockMs` so a crashed holder does not
 * stop the work for long; the work itself is resumable, so an overlap after such an expiry only repeats
 * some of it. Errors of a run are reported to `onError` and the next run goes on.
 */
export function periodicTask(options: {
  redis: Redis;
  name: string;
  everyMs: number;
  lockMs: number;
  run: (signal: AbortSignal) => Promise<void>;
  onError: (error: unknown) => void;
}): PeriodicTask {
  const { redis, name, run, onError } = options;
  const lockKey = `task-lock:${name}`;
  const stopping = new AbortController();
  let running: Promise<'ran' | 'busy'> | undefined;

  const attempt = async (): Promise<'ran' | 'busy'> => {
    const token = randomBytes(12).toString('base64url');
    if ((await redis.set(lockKey, token, 'PX', options.lockMs, 'NX')) !== 'OK') return 'busy';
    try {
      await run(stopping.signal);
      return 'ran';
    } finally {
      await redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  };
  const runOnce = () => {
    if (running || stopping.signal.aborted) return Promise.resolve('busy' as const);
    running = attempt().finally(() => {
      running = undefined;
    });
    return running;
  };
  // everyMs 0: only when asked (runOnce).
  const timer = options.everyMs > 0 ? setInterval(() => runOnce().catch(onError), options.everyMs) : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running?.catch(() => undefined);
    },
  };
}
