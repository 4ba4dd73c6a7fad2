import { declareCollection } from '../stores/collections.js';

export const invitationsCollection = declareCollection({
  name: 'invitations',
  indexes: [{ key: { orgId: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, acceptedAt, _id: range?} sort {_id: 1}', '{orgId}'],
  // An invitation link carries the invitation's id and secret, not its organization.
  unscopedQueries: ['{_id}'],
  shardKey: { orgId: 1, _id: 1 },
});

export const invitationAcceptancesCollection = declareCollection({
  name: 'invitation_acceptances',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});
