import { z } from 'zod';
import { registerClientSchema, registerOrgClient } from '../../oidc/clients.js';
import {
  getOrgClient,
  listOrgClients,
  presentClient,
  rotateClientSecret,
  updateClientSchema,
  updateOrgClient,
} from '../../oidc/org-clients.js';
import {
  createResourceServer,
  createResourceServerSchema,
  deleteOrgResourceServer,
  listOrgResourceServers,
  presentResourceServer,
  updateOrgResourceServer,
  updateResourceServerSchema,
} from '../../resources/service.js';
import { deleteOrgClient } from '../../revocation/service.js';
import { defineRoute } from '../route.js';
import { clientIdParam, clientSchema, orgIdParam, pageOf, pageQuery, resourceServerSchema } from '../schemas.js';

const orgParams = z.object({ orgId: orgIdParam });
const clientParams = z.object({ orgId: orgIdParam, clientId: clientIdParam });

export const clientRoutes = [
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/clients',
    operationId: 'listClients',
    summary: 'OAuth clients owned by the organization',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.read' },
    params: orgParams,
    query: pageQuery,
    response: pageOf(clientSchema, 'Client'),
    handler: ({ params, query, deps }) => listOrgClients(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/clients',
    operationId: 'registerClient',
    summary: 'Register a client owned by the organization; a confidential client’s secret is in this answer only',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.manage' },
    params: orgParams,
    body: registerClientSchema.omit({ orgId: true }).strict(),
    response: clientSchema,
    status: 201,
    handler: async ({ params, body, deps, audit }) => {
      const created = await registerOrgClient(deps.provider, deps.db, { ...body, orgId: params.orgId });
      await audit({
        orgId: params.orgId,
        action: 'client.created',
        target: { type: 'client', id: created.client_id },
        data: { name: body.name },
      });
      const metadata = await getOrgClient(deps.provider, params.orgId, created.client_id);
      return { ...presentClient(metadata), ...(created.client_secret ? { clientSecret: created.client_secret } : {}) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/clients/{clientId}',
    operationId: 'getClient',
    summary: 'One client of the organization',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.read' },
    params: clientParams,
    response: clientSchema,
    handler: async ({ params, deps }) =>
      presentClient(await getOrgClient(deps.provider, params.orgId, params.clientId)),
  }),
  defineRoute({
    method: 'patch',
    path: '/orgs/{orgId}/clients/{clientId}',
    operationId: 'updateClient',
    summary: 'Rename a client or change its redirect URIs',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.manage' },
    params: clientParams,
    body: updateClientSchema,
    response: clientSchema,
    handler: async ({ params, body, deps, audit }) => {
      const client = await updateOrgClient(deps.provider, params.orgId, params.clientId, body);
      await audit({
        orgId: params.orgId,
        action: 'client.updated',
        target: { type: 'client', id: params.clientId },
        data: body,
      });
      return client;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/clients/{clientId}/secret',
    operationId: 'rotateClientSecret',
    summary: 'Replace a confidential client’s secret (the old one stops working at once)',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.manage' },
    params: clientParams,
    response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    handler: async ({ params, deps, audit }) => {
      const rotated = await rotateClientSecret(deps.provider, params.orgId, params.clientId);
      await audit({
        orgId: params.orgId,
        action: 'client.secret_rotated',
        target: { type: 'client', id: params.clientId },
      });
      return rotated;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/clients/{clientId}',
    operationId: 'deleteClient',
    summary: 'Delete a client with its grants and tokens',
    tag: 'Clients',
    access: { kind: 'org', action: 'clients.manage' },
    params: clientParams,
    status: 204,
    handler: async ({ params, deps, audit }) => {
      await deleteOrgClient(deps.provider, deps.db, deps.publisher, params.orgId, params.clientId);
      await audit({ orgId: params.orgId, action: 'client.deleted', target: { type: 'client', id: params.clientId } });
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/orgs/{orgId}/resource-servers',
    operationId: 'listResourceServers',
    summary: 'Resource servers (APIs, MCP servers) owned by the organization',
    tag: 'Resource servers',
    access: { kind: 'org', action: 'resources.manage' },
    params: orgParams,
    query: pageQuery,
    response: pageOf(resourceServerSchema, 'ResourceServer'),
    handler: ({ params, query, deps }) => listOrgResourceServers(deps.db, params.orgId, query),
  }),
  defineRoute({
    method: 'post',
    path: '/orgs/{orgId}/resource-servers',
    operationId: 'createResourceServer',
    summary: 'Register a resource server owned by the organization (only its tokens are issued for it)',
    tag: 'Resource servers',
    access: { kind: 'org', action: 'resources.manage' },
    params: orgParams,
    body: createResourceServerSchema.omit({ orgId: true }).strict(),
    response: resourceServerSchema,
    status: 201,
    handler: async ({ params, body, deps, audit }) => {
      const doc = await createResourceServer(deps.db, { ...body, orgId: params.orgId });
      await audit({ orgId: params.orgId, action: 'resource.created', target: { type: 'resource', id: doc._id } });
      return presentResourceServer(doc);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/resource-servers',
    operationId: 'createPlatformResourceServer',
    summary:
      'Register a platform-wide resource server (tokens of every organization), e.g. an MCP server with one URL per organization (`orgPath`)',
    tag: 'Resource servers',
    access: { kind: 'platform' },
    body: createResourceServerSchema.omit({ orgId: true }).strict(),
    response: resourceServerSchema,
    status: 201,
    handler: async ({ body, deps }) => presentResourceServer(await createResourceServer(deps.db, body)),
  }),
  defineRoute({
    method: 'patch',
    path: '/orgs/{orgId}/resource-servers',
    operationId: 'updateResourceServer',
    summary: 'Change the scopes, token format or token lifetime of a resource server, named by its URI',
    tag: 'Resource servers',
    access: { kind: 'org', action: 'resources.manage' },
    params: orgParams,
    query: z.object({ uri: z.string().min(1).max(2000) }),
    body: updateResourceServerSchema,
    response: resourceServerSchema,
    handler: async ({ params, query, body, deps, audit }) => {
      const updated = await updateOrgResourceServer(deps.db, params.orgId, query.uri, body);
      await audit({
        orgId: params.orgId,
        action: 'resource.updated',
        target: { type: 'resource', id: query.uri },
        data: body,
      });
      return updated;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/orgs/{orgId}/resource-servers',
    operationId: 'deleteResourceServer',
    summary: 'Delete a resource server of the organization, named by its URI',
    tag: 'Resource servers',
    access: { kind: 'org', action: 'resources.manage' },
    params: orgParams,
    query: z.object({ uri: z.string().min(1).max(2000) }),
    status: 204,
    handler: async ({ params, query, deps, audit }) => {
      await deleteOrgResourceServer(deps.db, params.orgId, query.uri);
      await audit({ orgId: params.orgId, action: 'resource.deleted', target: { type: 'resource', id: query.uri } });
      return undefined;
    },
  }),
];
