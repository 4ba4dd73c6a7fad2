import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/http/security-headers.js';

/** The response headers a server gives a GET, without the ones that change per response. */
async function headersOf(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    for (const name of ['date', 'connection', 'keep-alive', 'content-length', 'content-type']) delete headers[name];
    return headers;
  } finally {
    server.close();
  }
}

describe('securityHeaders', () => {
  it('sets exactly the headers Helmet sets per request, for the options Orgauth uses', async () => {
    const options = { contentSecurityPolicy: false as const };
    const app = new Koa();
    app.use(securityHeaders(options));
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const ours = await headersOf(app.callback());
    const helmets = await headersOf((req, res) =>
      helmet(options)(req, res, () => {
        res.end('ok');
      }),
    );
    expect(Object.keys(ours).length).toBeGreaterThan(8);
    expect(ours).toEqual(helmets);
  });

  it('refuses a CSP directive computed per request, which one recorded answer cannot give', () => {
    expect(() =>
      securityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } } }),
    ).toThrow(/per request/);
  });
});
