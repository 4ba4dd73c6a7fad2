import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { eventually } from './harness.js';

/** A command Redis ran: one a client sent, or (source 'lua') one a script ran inside Redis. */
export interface Executed {
  args: string[];
  source: string;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
const unquoted = (text: string) =>
  text.replace(/\\(x[0-9a-f]{2}|.)/gi, (_, e: string) =>
    e.length === 3 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );

/** One MONITOR line: `+1700000000.123456 [0 127.0.0.1:5000] "get" "key"`. */
function parse(line: string): Executed | undefined {
  const match = /^\+[\d.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!match) return undefined;
  const args = [...(match[2] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unquoted(m[1] ?? ''));
  return { args, source: match[1] ?? '' };
}

/**
 * Redis MONITOR over a plain socket, resolved once Redis monitors. (ioredis's monitor mode loses its
 * place when other clients' commands arrive together with the reply to MONITOR, as on a busy Redis.)
 */
export async function monitorRedis(url: string, onCommand: (executed: Executed) => void): Promise<{ close(): void }> {
  const { hostname, port, username, password } = new URL(url);
  const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
  await once(socket, 'connect');
  const command = (...args: string[]) =>
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  if (password) command('AUTH', ...(username ? [decodeURIComponent(username)] : []), decodeURIComponent(password));
  command('MONITOR');
  const monitoring = new Promise<void>((resolve, reject) => {
    let pending = '';
    let awaitedOks = password ? 2 : 1;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') {
          awaitedOks -= 1;
          if (!awaitedOks) resolve();
        } else if (line.startsWith('-')) reject(new Error(`Redis refused MONITOR: ${line.slice(1)}`));
        else {
          const executed = parse(line);
          if (executed) onCommand(executed);
        }
      }
    });
    socket.once('error', reject);
  });
  await monitoring;
  return { close: () => socket.destroy() };
}

export interface RoundTrip {
  /** The command the client sent (a script call, MULTI…EXEC counts as its MULTI). */
  command: string;
  /** The keys (without the prefix) it and the commands it ran inside Redis touched. */
  keys: string[];
}

/**
 * Counts the Redis round trips an action costs on keys of one server (its key prefix): each command a
 * client sent, with the keys it touched, and a script's or a transaction's commands counted with it.
 */
export async function redisRoundTrips(url: string, prefix: string) {
  const executed: Executed[] = [];
  const monitor = await monitorRedis(url, (e) => executed.push(e));
  const { Redis } = await import('ioredis');
  const marker = new Redis(url);
  return {
    async of<T>(action: () => Promise<T>): Promise<{ result: T; trips: RoundTrip[] }> {
      const [start, end] = ['start', 'end'].map((m) => `${prefix}mark:${randomBytes(4).toString('hex')}:${m}`);
      await marker.get(start as string);
      const result = await action();
      await marker.get(end as string);
      // MONITOR reports commands in the order Redis ran them: once the end mark is in, so is the action.
      const from = await eventually(async () => {
        const index = executed.findIndex((e) => e.args[1] === end);
        if (index < 0) throw new Error('the end mark has not been seen yet');
        return executed.findIndex((e) => e.args[1] === start);
      });
      const to = executed.findIndex((e) => e.args[1] === end);
      const keysOf = (e: Executed) => e.args.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length));
      const trips: RoundTrip[] = [];
      // A client's transaction, from its MULTI to its EXEC (other clients' commands may come in between).
      const transactions = new Map<string, RoundTrip>();
      for (const e of executed.slice(from + 1, to)) {
        const command = (e.args[0] ?? '').toLowerCase();
        const transaction = transactions.get(e.source);
        if (e.source === 'lua') trips.at(-1)?.keys.push(...keysOf(e));
        else if (transaction) {
          transaction.keys.push(...keysOf(e));
          if (command === 'exec' || command === 'discard') transactions.delete(e.source);
        } else {
          const trip = { command, keys: keysOf(e) };
          trips.push(trip);
          if (command === 'multi') transactions.set(e.source, trip);
        }
      }
      return { result, trips: trips.filter((t) => t.keys.length) };
    },
    close() {
      monitor.close();
      marker.disconnect();
    },
  };
}
