import { apiKeysCollection, platformKeysCollection } from '../apikeys/store.js';
import { auditEventsCollection } from '../audit/store.js';
import {
  creditAccountsCollection,
  creditEntriesCollection,
  creditIdempotencyCollection,
  creditUsageRollupsCollection,
} from '../credits/store.js';
import { clientsCollection } from '../oidc/clients-store.js';
import { grantOrgsCollection, grantTriplesCollection, oidcGrantsCollection } from '../oidc/grants-store.js';
import { settingsCollection, signingKeysCollection } from '../oidc/keys-store.js';
import { issuedTokensCollection, oidcModelCollections, tokenIssuanceCollection } from '../oidc/tokens-store.js';
import { approvalsCollection } from '../orgs/approvals-store.js';
import { blockedHostsCollection } from '../orgs/blocked-hosts-store.js';
import { invitationAcceptancesCollection, invitationsCollection } from '../orgs/invitations-store.js';
import { membershipsCollection } from '../orgs/members-store.js';
import { organizationsCollection } from '../orgs/organizations-store.js';
import { resourceServersCollection } from '../resources/store.js';
import { teamsCollection } from '../teams/store.js';
import { userEmailsCollection, usersCollection } from '../users/store.js';
import type { CollectionDeclaration } from './collections.js';
import { locksCollection } from './lock.js';

/** Every collection Orgauth keeps in MongoDB, with its indexes and query shapes (see collections.ts). */
export const CATALOG: CollectionDeclaration[] = [
  usersCollection,
  userEmailsCollection,
  organizationsCollection,
  membershipsCollection,
  invitationsCollection,
  invitationAcceptancesCollection,
  approvalsCollection,
  blockedHostsCollection,
  teamsCollection,
  apiKeysCollection,
  platformKeysCollection,
  resourceServersCollection,
  auditEventsCollection,
  creditEntriesCollection,
  creditAccountsCollection,
  creditIdempotencyCollection,
  creditUsageRollupsCollection,
  clientsCollection,
  oidcGrantsCollection,
  grantOrgsCollection,
  grantTriplesCollection,
  ...oidcModelCollections,
  issuedTokensCollection,
  tokenIssuanceCollection,
  signingKeysCollection,
  settingsCollection,
  locksCollection,
];
