import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
// @ts-expect-error oidc-provider ships no types for its internal modules
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
// @ts-expect-error oidc-provider ships no types for its internal modules
import LRU from 'oidc-provider/lib/helpers/lru.js';
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
/** What happened, in order: a save that went on (`saved:`) and a write committed (`committed:`), by client. */
const events: string[] = [];
const RESOURCE = 'https://api.writes.test';

/** oidc-provider's memory adapter, whose token saves write through writeBeforeAnswer like Orgauth's adapters. */
const Memory = MemoryAdapter as new (model: string, store: unknown) => Adapter;
class SlowWritesAdapter extends Memory {
  override async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    await super.upsert(id, payload, expiresIn);
    const client = payload.clientId ?? '';
    const write = later(50, client === 'fails' ? new Error('disk full') : undefined).then(() => {
      events.push(`committed:${client}`);
    });
    const outage = client === 'outage' ? later(10, new UnavailableError('MongoDB is away')) : undefined;
    await writeBeforeAnswer(write);
    if (outage) await writeBeforeAnswer(outage);
    // Where oidc-provider goes on to hand the token out.
    events.push(`saved:${client}`);
  }
}

beforeAll(async () => {
  const store = new LRU({ maxSize: 1000 });
  const client = (id: string) => ({
    client_id: id,
    client_secret: `${id}-secret-0123456789abcdef`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider('http://127.0.0.1', {
    adapter: (model: string) => new SlowWritesAdapter(model, store),
    clients: ['ok', 'fails', 'outage'].map(client),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig' }] },
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'read', audience: RESOURCE, accessTokenFormat: 'opaque' }),
      },
    },
  });
  const app = new Koa();
  app.use(oauthOutageAnswers());
  app.use(writesBeforeAnswer(createLogger({ logLevel: 'silent' })));
  app.use(mount(provider));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const tokenRequest = (client: string) =>
  fetch(`${origin}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client}:${client}-secret-0123456789abcdef`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=read',
  });

describe('token writes before the answer', () => {
  it('answers a token request once its writes are committed, though the save went on before', async () => {
    const response = await tokenRequest('ok');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { access_token?: string }).access_token).toBeTruthy();
    // oidc-provider went on before the write was committed; the answer waited for it.
    expect(events.filter((e) => e.endsWith(':ok'))).toEqual(['saved:ok', 'committed:ok']);
  });

  it('withholds the tokens when a write fails: 500 server_error', async () => {
    const response = await tokenRequest('fails');
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'server_error',
      error_description: 'the tokens could not be recorded; try again',
    });
  });

  it('answers 503 temporarily_unavailable when the write failed for a store outage', async () => {
    const response = await tokenRequest('outage');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });

  it('awaits a write in place outside a token request', async () => {
    const order: string[] = [];
    await writeBeforeAnswer(later(20).then(() => order.push('committed')));
    order.push('went on');
    expect(order).toEqual(['committed', 'went on']);
  });
});
