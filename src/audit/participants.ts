import { findApiKeyNamesOfOrganization } from '../apikeys/store.js';
import { findClientsMetadata } from '../oidc/clients-store.js';
import type { Db } from '../stores/db.js';
import { findTeamNames } from '../teams/store.js';
import { findUserContacts } from '../users/store.js';

export interface Mention {
  type: string;
  id: string;
}

interface EventLike {
  actor: Mention & { userId?: string | null };
  target: Mention;
  data: Record<string, unknown>;
}

/**
 * What a page calls the people, keys, teams and clients it mentions: a person's name (or email), a
 * key's name and owner, a team's and a client's name. Keyed `${type}:${id}` (types `user`, `api_key`,
 * `team`, `client`); a thing that no longer exists keeps its id. Four reads, however many mentions.
 */
export async function nameParticipants(db: Db, orgId: string, mentions: Mention[]): Promise<Map<string, string>> {
  const ids = {
    user: new Set<string>(),
    api_key: new Set<string>(),
    team: new Set<string>(),
    client: new Set<string>(),
  };
  for (const { type, id } of mentions) {
    if (type in ids && id) ids[type as keyof typeof ids].add(id);
  }
  const [keys, teams, clients] = await Promise.all([
    findApiKeyNamesOfOrganization(db, orgId, [...ids.api_key]),
    findTeamNames(db, [...ids.team]),
    findClientsMetadata(db, [...ids.client]),
  ]);
  for (const key of keys.values()) ids.user.add(key.userId);
  const people = await findUserContacts(db, [...ids.user]);
  const names = new Map<string, string>();
  for (const person of people) names.set(`user:${person._id}`, person.name || person.email);
  for (const [id, key] of keys) {
    const owner = names.get(`user:${key.userId}`);
    names.set(`api_key:${id}`, owner ? `key “${key.name}” of ${owner}` : `key “${key.name}”`);
  }
  for (const [id, name] of teams) names.set(`team:${id}`, name);
  for (const [id, client] of clients) {
    if (typeof client.client_name === 'string' && client.client_name) names.set(`client:${id}`, client.client_name);
  }
  return names;
}

/** The names of what a page of the audit log mentions (see nameParticipants). */
export function nameAuditParticipants(db: Db, orgId: string, events: EventLike[]): Promise<Map<string, string>> {
  const mentions: Mention[] = [];
  for (const event of events) {
    mentions.push(event.actor, event.target);
    if (event.actor.userId) mentions.push({ type: 'user', id: event.actor.userId });
    if (typeof event.data.userId === 'string') mentions.push({ type: 'user', id: event.data.userId });
    if (typeof event.data.clientId === 'string') mentions.push({ type: 'client', id: event.data.clientId });
  }
  return nameParticipants(db, orgId, mentions);
}
