import { ForbiddenError } from '../errors.js';
import type { Role } from './model.js';

/**
 * What each role may do in an organization: the one place roles are enforced. Services add the
 * rules that depend on the target (own keys and grants, the last owner, owner-only role changes).
 */
export const PERMISSIONS = {
  'org.read': ['owner', 'admin', 'member'],
  'org.update': ['owner'],
  'org.delete': ['owner'],
  'ownership.transfer': ['owner'],
  'members.read': ['owner', 'admin', 'member'],
  'members.manage': ['owner', 'admin'],
  'invitations.manage': ['owner', 'admin'],
  'teams.read': ['owner', 'admin', 'member'],
  'teams.manage': ['owner', 'admin'],
  'apikeys.own': ['owner', 'admin', 'member'],
  'apikeys.manage': ['owner', 'admin'],
  'clients.read': ['owner', 'admin'],
  'clients.manage': ['owner', 'admin'],
  'resources.manage': ['owner', 'admin'],
  'approvals.manage': ['owner', 'admin'],
  'grants.own': ['owner', 'admin', 'member'],
  'grants.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
  'credits.read': ['owner', 'admin', 'member'],
  'credits.log': ['owner', 'admin'],
  'credits.add': ['owner', 'admin'],
  'credits.debit': ['owner', 'admin', 'member'],
  'credits.settings': ['owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

/**
 * The role an actor holds in the organization; platform operators act with every permission, and
 * the organization's own clients (client-credentials tokens, e.g. a resource server charging usage)
 * only with `CLIENT_ACTIONS`.
 */
export type Standing = Role | 'platform' | 'client';

export const CLIENT_ACTIONS: readonly Action[] = ['credits.read', 'credits.debit'];

export function can(standing: Standing, action: Action): boolean {
  if (standing === 'platform') return true;
  if (standing === 'client') return CLIENT_ACTIONS.includes(action);
  return (PERMISSIONS[action] as readonly Role[]).includes(standing);
}

export function authorize(standing: Standing, action: Action): void {
  if (!can(standing, action)) throw new ForbiddenError(`the ${standing} role may not ${action.replace('.', ': ')}`);
}
