import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/** Extra fields stored beside a payload so records can be found by organization, client, subject. */
export interface AdapterHooks {
  enrich?(model: string, payload: AdapterPayload): Promise<Record<string, unknown>>;
  /** A Redis record the current request has already read (its hash's fields), taken once. */
  readAhead?(key: string): Record<string, string> | undefined;
}

export type AdapterClass = new (name: string) => Adapter;

/** Models that must survive a Redis restart live in MongoDB; the rest are short-lived and live in Redis. */
export const LONG_LIVED_MODELS = [
  'AccessToken',
  'RefreshToken',
  'Grant',
  'Client',
  'Session',
  'ClientCredentials',
  'RegistrationAccessToken',
  'BackchannelAuthenticationRequest',
  'InitialAccessToken',
] as const;
