import type { JSONWebKeySet } from 'jose';
import type Provider from 'oidc-provider';
import type { Config } from '../config.js';
import type { RevocationFeed } from '../resource/revocation-feed.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';

export interface ApiDeps {
  config: Config;
  db: Db;
  provider: Provider;
  publisher: RevocationPublisher;
  /** Orgauth's own public signing keys, to check tokens it issued. */
  publicJwks: JSONWebKeySet;
  /** Revocation notices, when Redis delivers them. */
  revocation?: RevocationFeed | undefined;
}
