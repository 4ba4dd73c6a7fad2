import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { oauthOutageAnswers } from '../../src/oidc/outage-answers.js';
import { writeBeforeAnswer, writesBeforeAnswer } from '../../src/oidc/writes-before-answer.js';

// A token request starts its token writes and answers only once all of them are committed
// (src/oidc/writes-before-answer.ts); a write that fails withholds the tokens.

const later = (ms: number, fail?: Error) =>
  new Promise<void>((resolve, reject) => setTimeout(() => (fail ? reject(fail) : resolve()), ms));

let origin: string;
let server: ReturnType<Koa['listen']>;
const committed: string[] = [];

beforeAll(async () => {
  const app = new Koa();
  app.use(oauthOutageAnswers());
  app.use(writesBeforeAnswer(createLogger({ logLevel: 'silent' })));
  app.use(async (ctx) => {
    const label = ctx.get('x-label');
    const outcome = ctx.get('x-outcome');
    const write = later(50, outcome === 'fails' ? new Error('disk full') : undefined).then(() => {
      committed.push(label);
    });
    const outage = outcome === 'outage' ? later(10, new UnavailableError('MongoDB is away')) : undefined;
    await writeBeforeAnswer(write);
    if (outage) await writeBeforeAnswer(outage);
    // Handed out before the write is committed, as oidc-provider does after `save()`.
    ctx.body = { access_token: label, committedWhenAnswered: committed.includes(label) };
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const call = (path: string, label: string, outcome = 'ok', method = 'POST') =>
  fetch(`${origin}${path}`, { method, headers: { 'x-label': label, 'x-outcome': outcome } });

describe('token writes before the answer', () => {
  it('answers a token request once its writes are committed, though it started them earlier', async () => {
    const response = await call('/token', 'a');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { committedWhenAnswered: boolean };
    // The handler went on before the write was committed; the answer waited for it.
    expect(body.committedWhenAnswered).toBe(false);
    expect(committed).toContain('a');
  });

  it('withholds the tokens when a write fails: 500 server_error', async () => {
    const response = await call('/token', 'b', 'fails');
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'server_error',
      error_description: 'the tokens could not be recorded; try again',
    });
  });

  it('answers 503 temporarily_unavailable when the write failed for a store outage', async () => {
    const response = await call('/token', 'c', 'outage');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });

  it('awaits writes in place outside a token request', async () => {
    const response = await call('/other', 'd', 'ok');
    expect(((await response.json()) as { committedWhenAnswered: boolean }).committedWhenAnswered).toBe(true);
  });
});
