import { once } from 'node:events';
import { createConnection } from 'node:net';

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
