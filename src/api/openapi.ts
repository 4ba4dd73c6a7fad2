import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { ApiRoute } from './route.js';

export const problemSchema = z
  .object({
    type: z.string().describe('stable URI of the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.record(z.string(), z.string()).optional().describe('per-field messages of a validation problem'),
  })
  .meta({ id: 'Problem' });

/** The OpenAPI 3.1 document, generated from the same route schemas that validate requests. */
export function openApiDocument(routes: ApiRoute[], issuer: string): Record<string, unknown> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const status = String(route.status ?? 200);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.params || route.query
        ? {
            requestParams: {
              ...(route.params ? { path: route.params } : {}),
              ...(route.query ? { query: route.query } : {}),
            },
          }
        : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }
        : {}),
      responses: {
        [status]:
          route.response && status !== '204'
            ? { description: 'Success', content: { 'application/json': { schema: route.response } } }
            : { description: 'Success, no content' },
        default: {
          description: 'An RFC 9457 problem',
          content: { 'application/problem+json': { schema: problemSchema } },
        },
      },
    };
  }
  const document: object = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Orgauth admin API',
      version: '1.0.0',
      description:
        'Organizations, members, invitations, teams, API keys, clients, approvals, connected apps and audit. ' +
        `Authenticate with an org API key, an access token for the resource \`${issuer}/api\` (scope \`orgauth:api\`), ` +
        'or an operator platform key.',
    },
    servers: [{ url: `${issuer}/api/v1` }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  });
  return document as Record<string, unknown>;
}
