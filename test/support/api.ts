import { expect } from 'vitest';
import { createPlatformKey } from '../../src/apikeys/platform-keys.js';
import { createApiKey } from '../../src/apikeys/service.js';
import type { Db } from '../../src/stores/db.js';
import type { Page } from '../../src/stores/pagination.js';
import { addMemberAs, createOrg, createUser } from './factories.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the admin API as a credential holder would: JSON in, JSON or problem+json out. */
export function apiClient(baseUrl: string, credential?: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  };
}
export type ApiCall = ReturnType<typeof apiClient>;

/** A company organization with an owner, an admin and a member, each holding an API key there. */
export async function orgWithRoles(db: Db, baseUrl: string, name = 'Acme') {
  const [owner, admin, member] = await Promise.all([createUser(db), createUser(db), createUser(db)]);
  const org = await createOrg(db, owner._id, name);
  await addMemberAs(db, org._id, admin._id, 'admin');
  await addMemberAs(db, org._id, member._id, 'member');
  const keyOf = async (userId: string) => (await createApiKey(db, { orgId: org._id, userId }, { name: 'test' })).key;
  const [ownerKey, adminKey, memberKey] = await Promise.all([keyOf(owner._id), keyOf(admin._id), keyOf(member._id)]);
  return {
    org,
    owner,
    admin,
    member,
    as: {
      owner: apiClient(baseUrl, ownerKey),
      admin: apiClient(baseUrl, adminKey),
      member: apiClient(baseUrl, memberKey),
    },
    keys: { owner: ownerKey, admin: adminKey, member: memberKey },
  };
}

export async function platformClient(db: Db, baseUrl: string) {
  const { key } = await createPlatformKey(db, 'tests');
  return apiClient(baseUrl, key);
}

/** Follows `nextCursor` to the end, checking each page's size; returns every item in order. */
export async function everyPage<T>(call: ApiCall, path: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const separator = path.includes('?') ? '&' : '?';
    const answer: ApiAnswer<Page<T>> = await call<Page<T>>(
      'GET',
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...answer.body.items);
    if (answer.body.nextCursor === null) return items;
    expect(answer.body.items).toHaveLength(limit);
    cursor = answer.body.nextCursor;
  }
  throw new Error(`${path} never reached its last page`);
}

/** The organization's audit log as "action targetId" lines, newest first. */
export async function auditActions(call: ApiCall, orgId: string) {
  const answer = await call<Page<{ action: string; target: { type: string; id: string } }>>(
    'GET',
    `/orgs/${orgId}/audit?limit=100`,
  );
  return answer.body.items.map((e) => `${e.action} ${e.target.id}`);
}
