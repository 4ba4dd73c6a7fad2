import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupedTokenWrites } from '../../src/oidc/adapters/grouped-writes.js';
import type { StoredRecord } from '../../src/oidc/adapters/stored-record.js';
import type { Stores } from '../../src/stores/index.js';
import { openTestStores } from '../support/harness.js';

let stores: Stores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

const record = (payload: string) => ({ payload, expiresAt: new Date(Date.now() + 60_000) });

describe('grouped token writes', () => {
  it('insert new records, replace one saved again, mark consumed ones, all in one insert and one update', async () => {
    const collection = stores.db.connection.collection<StoredRecord>('oidc_AccessToken');
    await collection.insertMany([
      { _id: 'saved-before', ...record('{"v":1}') },
      { _id: 'rotated', ...record('{"v":1}') },
    ]);
    const write = groupedTokenWrites(stores.db, collection);
    const commands: string[] = [];
    const client = stores.db.connection.getClient();
    const onCommand = (event: CommandStartedEvent) => {
      if (event.command[event.commandName] === 'oidc_AccessToken') {
        const count = (event.command.documents ?? event.command.updates ?? []).length;
        commands.push(`${event.commandName} ${count}`);
      }
    };
    client.on('commandStarted', onCommand);
    // Asked in one turn: they go together.
    await Promise.all([
      write({ kind: 'replace', id: 'first', record: record('{"first":true}') }),
      ...Array.from({ length: 5 }, (_, i) => write({ kind: 'replace', id: `new-${i}`, record: record(`{"n":${i}}`) })),
      write({ kind: 'replace', id: 'saved-before', record: record('{"v":2}') }),
      write({ kind: 'consume', id: 'rotated', at: 1234 }),
    ]);
    client.off('commandStarted', onCommand);

    // The record saved before clashes in the insert and is replaced on its own.
    expect(commands.sort()).toEqual(['insert 7', 'update 1', 'update 1']);
    const stored = await collection.find({}).sort({ _id: 1 }).toArray();
    expect(stored.map((r) => [r._id, r.payload, r.consumed ?? null])).toEqual([
      ['first', '{"first":true}', null],
      ...Array.from({ length: 5 }, (_, i) => [`new-${i}`, `{"n":${i}}`, null]),
      ['rotated', '{"v":1}', 1234],
      ['saved-before', '{"v":2}', null],
    ]);
  });

  it('fails only the write whose record cannot be stored', async () => {
    const collection = stores.db.connection.collection<StoredRecord>('oidc_RefreshToken');
    const write = groupedTokenWrites(stores.db, collection);
    const results = await Promise.allSettled([
      write({ kind: 'replace', id: 'ok-0', record: record('{}') }),
      write({ kind: 'replace', id: 'ok-1', record: record('{}') }),
      // FerretDB refuses a field name starting with '$'.
      write({ kind: 'replace', id: 'bad', record: { ...record('{}'), $bad: 1 } }),
      write({ kind: 'replace', id: 'ok-2', record: record('{}') }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await collection.find({}).toArray()).map((r) => r._id).sort()).toEqual(['ok-0', 'ok-1', 'ok-2']);
  });
});
