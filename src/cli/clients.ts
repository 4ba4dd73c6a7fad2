import type { Command } from 'commander';
import { createLogger } from '../logger.js';
import { registerOrgClient } from '../oidc/clients.js';
import { createOidc } from '../oidc/index.js';
import { createResourceServer, presentResourceServer } from '../resources/service.js';
import { deleteClientAcrossOrganizations } from '../revocation/service.js';
import { auditCli, jsonAction, withStores } from './context.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);

export function registerClientCommands(program: Command): void {
  const clients = program.command('client').description('OAuth clients');
  clients
    .command('delete')
    .description('delete a client with its grants and tokens (resource servers refuse them within seconds)')
    .requiredOption('--client-id <clientId>', 'client id')
    .action(
      jsonAction(async (opts: { clientId: string }) =>
        withStores(async (stores, config) => {
          const oidc = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
          const owner = (await oidc.provider.Client.find(opts.clientId))?.metadata().org_id;
          await deleteClientAcrossOrganizations(oidc.provider, stores.db, oidc.publisher, opts.clientId);
          if (typeof owner === 'string') {
            await auditCli(stores.db, owner, 'client.deleted', { type: 'client', id: opts.clientId });
          }
          return { client_id: opts.clientId, deleted: true };
        }),
      ),
    );
  clients
    .command('create')
    .description('register an OAuth client owned by an organization')
    .requiredOption('--org <orgId>', 'owning organization id')
    .requiredOption('--name <name>', 'client name shown on the consent page')
    .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect, [])
    .option('--public', 'public client (no secret; PKCE only)', false)
    .option('--first-party', 'first-party client (may skip consent with one eligible organization)', false)
    .option('--grant-types <types>', 'comma-separated: authorization_code,refresh_token,client_credentials', list)
    .option('--scope <scopes>', 'space-separated scopes the client may request')
    .action(
      jsonAction(
        async (opts: {
          org: string;
          name: string;
          redirectUri: string[];
          public: boolean;
          firstParty: boolean;
          grantTypes?: string[];
          scope?: string;
        }) =>
          withStores(async (stores, config) => {
            const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
            const created = await registerOrgClient(provider, stores.db, {
              orgId: opts.org,
              name: opts.name,
              redirectUris: opts.redirectUri,
              public: opts.public,
              firstParty: opts.firstParty,
              grantTypes: opts.grantTypes as never,
              scope: opts.scope,
            });
            await auditCli(
              stores.db,
              opts.org,
              'client.created',
              { type: 'client', id: created.client_id },
              { name: opts.name },
            );
            return created;
          }),
      ),
    );

  program
    .command('resource')
    .description('protected resources (APIs, MCP servers)')
    .command('create')
    .description('register a resource tokens can be issued for (its URI is the token audience)')
    .requiredOption('--uri <uri>', 'resource URI')
    .requiredOption('--scopes <scopes>', 'space-separated scopes of the resource')
    .option('--org <orgId>', 'organization owning the resource (tokens of other organizations are refused)')
    .option('--match <match>', 'exact (the URI only) or prefix (the URI is a base: URLs under it too)')
    .option(
      '--org-path <template>',
      "where URLs under the base name their organization, e.g. '/orgs/{orgId}/' (implies --match prefix)",
    )
    .option('--format <format>', 'access token format: jwt or opaque', 'jwt')
    .option('--ttl <seconds>', 'access token lifetime in seconds', '3600')
    .action(
      jsonAction(async (opts: ResourceCreateOptions) =>
        withStores(async ({ db }) => {
          const resource = await createResourceServer(db, {
            uri: opts.uri,
            scopes: list(opts.scopes),
            orgId: opts.org,
            match: opts.match as 'exact' | undefined,
            orgPath: opts.orgPath,
            format: opts.format as 'jwt',
            accessTokenTtl: opts.ttl,
          });
          if (opts.org) await auditCli(db, opts.org, 'resource.created', { type: 'resource', id: resource._id });
          const { uri, scopes, format, match, orgPath } = presentResourceServer(resource);
          return { uri, scopes, format, match, orgPath };
        }),
      ),
    );
}

interface ResourceCreateOptions {
  uri: string;
  scopes: string;
  org?: string;
  match?: string;
  orgPath?: string;
  format: string;
  ttl: string;
}
