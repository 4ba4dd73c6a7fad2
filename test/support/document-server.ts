import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate for 127.0.0.1 and localhost, made with openssl for this run; it is its own CA. */
export function testCertificate(): { dir: string; caFile: string; key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'orgauth-cimd-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { dir, caFile, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8') };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Client ID metadata documents served over https on loopback: `serve(path, handler)` decides what
 * each path answers; `hits(path)` counts requests (to see the cache at work).
 */
export async function startDocumentServer() {
  const certificate = testCertificate();
  const handlers = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = handlers.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    port,
    caFile: certificate.caFile,
    urlFor: (path: string) => `${origin}${path}`,
    serve: (path: string, handler: Handler) => handlers.set(path, handler),
    /** Serves a JSON document at `path` (its `client_id` defaults to the URL itself). */
    serveJson: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      handlers.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      }),
    hits: (path: string) => counts.get(path) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(certificate.dir, { recursive: true, force: true });
    },
  };
}
