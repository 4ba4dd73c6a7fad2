import type Provider from 'oidc-provider';
import type { Config } from '../config.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import type { Db } from '../stores/db.js';

export interface ApiDeps {
  config: Config;
  db: Db;
  provider: Provider;
  publisher: RevocationPublisher;
}
