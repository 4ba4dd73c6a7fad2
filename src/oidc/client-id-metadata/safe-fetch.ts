import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { type ResolvedAddress, resolvePublicAddresses } from './address-policy.js';
import { DocumentFetchError } from './errors.js';

export interface OutgoingFetchPolicy {
  /** Development only: loopback and private addresses (and plain http) are allowed. */
  allowPrivateHosts: boolean;
  /** Development only: PEM of an extra certificate authority trusted besides the system's. */
  extraCa?: string | undefined;
  /** The whole fetch (resolution, connection, answer) must end within this. */
  timeoutMs: number;
  /** A hard cap on any body read, whatever the purpose (the provider applies its own, lower, limits). */
  maxBytes: number;
  /** Same-host redirects followed for fetches that allow redirects (the metadata document never does). */
  maxRedirects: number;
}

type FetchInit = RequestInit & { dispatcher?: unknown };

/**
 * oidc-provider's `fetch` option: every document the provider fetches for a client (its metadata
 * document, its `jwks_uri`) goes through here. Each address of the host is checked before
 * connecting and the connection is pinned to those addresses; no redirect leaves the host; the
 * body is capped; the time is bounded.
 */
export function createSafeFetch(policy: OutgoingFetchPolicy) {
  const ca = policy.extraCa ? [...rootCertificates, policy.extraCa] : undefined;

  return async function safeFetch(input: string | URL | Request, init: FetchInit = {}): Promise<Response> {
    const signal = AbortSignal.any([AbortSignal.timeout(policy.timeoutMs), ...(init.signal ? [init.signal] : [])]);
    let url = new URL(input instanceof Request ? input.url : String(input));
    for (let hops = 0; ; hops += 1) {
      const answer = await withDeadline(request(url, init, signal), signal, policy.timeoutMs);
      const location = answer.status >= 300 && answer.status < 400 ? answer.headers.get('location') : null;
      if (!location) return answer;
      const next = new URL(location, url);
      if (init.redirect === 'manual') {
        throw new DocumentFetchError(
          `it answered with a redirect (HTTP ${answer.status} to ${next.host}); it must be served at its own URL`,
        );
      }
      if (next.host !== url.host || next.protocol !== url.protocol) {
        throw new DocumentFetchError(`it redirects to another host (${next.host}), which is refused`);
      }
      if (hops >= policy.maxRedirects) throw new DocumentFetchError('it redirects too many times');
      url = next;
    }
  };

  async function request(url: URL, init: FetchInit, signal: AbortSignal): Promise<Response> {
    const plainHttp = url.protocol === 'http:' && policy.allowPrivateHosts;
    if (url.protocol !== 'https:' && !plainHttp) throw new DocumentFetchError('it is not an https URL');
    const addresses = await resolvePublicAddresses(url.hostname, policy.allowPrivateHosts);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const options: https.RequestOptions = {
      method: init.method ?? 'GET',
      headers,
      signal,
      agent: false,
      lookup: pinnedLookup(addresses),
      ...(ca ? { ca } : {}),
    };
    return new Promise<Response>((resolve, reject) => {
      const req = (plainHttp ? http : https).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxBytes) {
            res.destroy();
            reject(new DocumentFetchError(`its answer is larger than ${policy.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => reject(unreachable(url, error)));
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          const headers = responseHeaders(res.headers);
          // The body is read whole: its real length lets size limits apply before anything is parsed.
          headers.delete('transfer-encoding');
          headers.set('content-length', String(body?.length ?? 0));
          resolve(new Response(body, { status, headers }));
        });
      });
      req.on('error', (error) => reject(unreachable(url, error)));
      req.end();
    });
  }
}

/** Node's `lookup` hook answering with the addresses already checked, in both of its calling forms. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0] as ResolvedAddress;
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, addresses);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function responseHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of [value].flat()) headers.append(name, one);
  }
  return headers;
}

function unreachable(url: URL, error: Error): Error {
  if (error instanceof DocumentFetchError) return error;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return error;
  const code = (error as { code?: string }).code;
  return new DocumentFetchError(`${url.host} could not be reached (${code ?? error.message})`, { cause: error });
}

/** DNS resolution does not listen to an AbortSignal, so the deadline also races it. */
async function withDeadline<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  const aborted = new Promise<never>((_resolve, reject) => {
    const fail = () => reject(new DocumentFetchError(`it did not answer within ${timeoutMs / 1000} s`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  return Promise.race([work, aborted]);
}
