import { groupCommit } from './group-commit.js';

/**
 * Grouped reads, through the same group commit as grouped writes: keys asked for while a lookup is in
 * flight are looked up together in the next one (each key once), and each caller gets its own key's
 * answer. A lone request is looked up at once; under load one database round trip answers many requests.
 */
export function groupedLookup<V>(
  lookup: (keys: string[]) => Promise<Map<string, V>>,
  maxBatch = 100,
): (key: string) => Promise<V | undefined> {
  const ask = groupCommit<{ key: string; found?: V }>(async (asks) => {
    const found = await lookup([...new Set(asks.map((a) => a.key))]);
    for (const a of asks) a.found = found.get(a.key);
  }, maxBatch);
  return async (key) => {
    const asked: { key: string; found?: V } = { key };
    await ask(asked);
    return asked.found;
  };
}
