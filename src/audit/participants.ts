import { findApiKeyNamesOfOrganization } from '../apikeys/store.js';
import { findClientsMetadata } from '../oidc/clients-store.js';
import type { Db } from '../stores/db.js';
import { findTeamNames } from '../teams/store.js';
import { findUserContacts } from '../users/store.js';

interface Mention {
  type: string;
  id: string;
}

interface EventLike {
  actor: Mention & { userId?: string | null };
  target: Mention;
  data: Record<string, unknown>;
}

/**
 * What a page of the audit log calls the people, keys, teams and clients it mentions: a person's
 * name (or email), a key's name and owner, a team's and a client's name. Keyed `${type}:${id}`; a thing
 * that no longer exists keeps its id. Four reads for the whole page, whatever its length.
 */
export async function nameAuditParticipants(db: Db, orgId: string, events: EventLike[]): Promise<Map<string, string>> {
  const ids = {
    user: new Set<string>(),
    api_key: new Set<string>(),
    team: new Set<string>(),
    client: new Set<string>(),
  };
  const note = ({ type, id }: Mention) => {
    if (type in ids) ids[type as keyof typeof ids].add(id);
  };
  for (const event of events) {
    note(event.actor);
    note(event.target);
    if (event.actor.userId) ids.user.add(event.actor.userId);
    if (typeof event.data.userId === 'string') ids.user.add(event.data.userId);
    if (typeof event.data.clientId === 'string') ids.client.add(event.data.clientId);
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
