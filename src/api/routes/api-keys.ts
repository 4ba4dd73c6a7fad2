import { z } from 'zod';
import { createApiKeySchema } from '../../apikeys/schema.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../apikeys/service.js';
import { ForbiddenError } from '../../errors.js';
import { authorize, can } from '../../orgs/policy.js';
import { defineRoute } from '../route.js';
import { apiKeySchema, keyIdParam, orgIdParam, pageOf, pageQuery } from '../schemas.js';

export const apiKeyRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/api-keys',
    operationId: 'listApiKeys',
    summary: 'Your keys here; admins see every key and its owner, never a secret',
    tag: 'API keys',
    access: { kind: 'org', action: 'apikeys.own' },
    params: z.object({ orgId: orgIdParam }),
    query: pageQuery,
    response: pageOf(apiKeySchema, 'ApiKey'),
    handler: ({ params, query, caller, deps }) => {
      // A caller that is no person owns no key.
      const owner = can(caller.standing ?? 'member', 'apikeys.manage') ? 'all' : { userId: caller.userId ?? '' };
      return listApiKeys(deps.db, params.orgId, owner, query);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/api-keys',
    operationId: 'createApiKey',
    summary: 'Create your own key in this organization; its secret is in this answer only',
    tag: 'API keys',
    access: { kind: 'org', action: 'apikeys.own' },
    params: z.object({ orgId: orgIdParam }),
    body: createApiKeySchema.strict(),
    response: apiKeySchema,
    status: 201,
    handler: async ({ params, body, caller, deps, audit }) => {
      if (!caller.userId) throw new ForbiddenError('API keys belong to members; a platform key cannot create one');
      const key = await createApiKey(deps.db, { orgId: params.orgId, userId: caller.userId }, body);
      await audit({
        orgId: params.orgId,
        action: 'api_key.created',
        target: { type: 'api_key', id: key.id },
        data: { name: key.name, scopes: key.scopes },
      });
      return key;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/api-keys/{keyId}',
    operationId: 'revokeApiKey',
    summary: 'Revoke a key (your own; admins any); resource servers refuse it within seconds',
    tag: 'API keys',
    access: { kind: 'org', action: 'apikeys.own' },
    params: z.object({ orgId: orgIdParam, keyId: keyIdParam }),
    status: 204,
    handler: async ({ params, caller, deps, audit }) => {
      const key = await getApiKey(deps.db, params.orgId, params.keyId);
      if (key.userId !== caller.userId) authorize(caller.standing ?? 'member', 'apikeys.manage');
      await revokeApiKey(deps.db, deps.publisher, params.orgId, params.keyId);
      await audit({
        orgId: params.orgId,
        action: 'api_key.revoked',
        target: { type: 'api_key', id: params.keyId },
        data: { owner: key.userId },
      });
      return undefined;
    },
  }),
];
