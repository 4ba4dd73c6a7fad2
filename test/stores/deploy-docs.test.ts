import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/stores/catalog.js';
import { repoRoot } from '../../src/stores/local/index.js';

const key = (fields: Record<string, number>) =>
  `{ ${Object.entries(fields)
    .map(([field, direction]) => `${field}: ${direction}`)
    .join(', ')} }`;

/** The shard-key table of docs/deploy.md, as the declarations say it. */
function catalogTable(): string {
  return CATALOG.map((c) => {
    const indexes =
      c.indexes.map((i) => `${key(i.key)}${i.unique ? ' unique' : ''}${i.ttl ? ' TTL' : ''}`).join('; ') || '—';
    const hot = (c.hot ?? []).map((shape) => `\`${shape}\``).join(', ') || '—';
    return `| \`${c.name}\` | \`${key(c.shardKey)}\` | ${indexes} | ${hot} |`;
  }).join('\n');
}

describe('docs/deploy.md', () => {
  it('lists every collection with the shard key, indexes and hot shapes its store declares', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'deploy.md'), 'utf8');
    // On failure, paste the expected table into the "sharded cluster" section.
    expect(doc.includes(catalogTable()), catalogTable()).toBe(true);
  });
});
