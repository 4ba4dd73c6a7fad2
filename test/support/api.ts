import { createPlatformKey } from '../../src/apikeys/platform-keys.js';
import { createApiKey } from '../../src/apikeys/service.js';
import type { Db } from '../../src/stores/db.js';
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
