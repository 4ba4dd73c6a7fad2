import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '../../src/stores/local/index.js';
import { freePort } from '../../src/stores/local/processes.js';
import { eventually } from './harness.js';

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
}

/** One Orgauth server process (src/main.ts, as `npm start` runs it) with the given environment. */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
      const response = await fetch(`${url}/readyz`);
      if (!response.ok) throw new Error(`${name} not ready`);
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return { name, url, child };
}

export async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

/**
 * A load balancer in front of the instances: each request goes to `route(method, path)`'s choice,
 * or round-robin; `served` records which instance answered what.
 */
export async function startBalancer(instances: Instance[], port: number) {
  let next = 0;
  const served: Array<{ instance: string; method: string; path: string }> = [];
  const balancer = {
    url: '',
    served,
    route: undefined as ((method: string, path: string) => Instance | undefined) | undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const target =
      balancer.route?.(incoming.method ?? 'GET', path) ?? (instances[next++ % instances.length] as Instance);
    served.push({ instance: target.name, method: incoming.method ?? 'GET', path: path.split('?')[0] ?? path });
    const upstream = new URL(target.url);
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      outgoing.writeHead(502).end();
    });
    incoming.pipe(forwarded);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  balancer.url = `http://127.0.0.1:${port}`;
  return balancer;
}
