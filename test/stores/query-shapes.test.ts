import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/stores/catalog.js';
import { servingIndex } from '../../src/stores/index-plan.js';
import type { LoggedShape } from '../../src/stores/query-log.js';
import { parseShapePattern, requiredShape, shapeMatches, shapeText } from '../../src/stores/query-shape.js';
import { QUERY_SHAPE_RUN } from '../support/query-shape-log.js';

// Runs after the rest of the suite (vitest.config.ts), over every MongoDB read that the suite's
// processes sent — servers, CLIs and in-process services alike — as recorded through QUERY_SHAPE_LOG.
function recordedShapes(): LoggedShape[] {
  const dir = process.env[QUERY_SHAPE_RUN];
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedShape);
}

const declarations = new Map(CATALOG.map((c) => [c.name, c]));
const indexesOf = (name: string) => (declarations.get(name)?.indexes ?? []).map((i) => i.key);

describe('MongoDB queries', () => {
  it('are declared with an index that serves each shape, and org-scoped shapes name the organization', () => {
    const problems = CATALOG.flatMap((c) => [
      ...[...c.queries, ...c.unscopedQueries]
        .filter((text) => !servingIndex(indexesOf(c.name), requiredShape(parseShapePattern(text))))
        .map((text) => `${c.name} ${text}: no declared index serves it`),
      ...c.queries
        .filter((text) => !parseShapePattern(text).filter.some((f) => f.field === 'orgId' && !f.optional))
        .map((text) => `${c.name} ${text}: declared as organization-scoped but does not filter on orgId`),
    ]);
    expect(problems).toEqual([]);
    expect(new Set(CATALOG.map((c) => c.name)).size).toBe(CATALOG.length);
  });

  it('on the hot paths name the whole shard key, so a sharded cluster sends each to the shards of those keys', () => {
    const problems = CATALOG.flatMap((c) =>
      (c.hot ?? []).flatMap((text) => {
        if (![...c.queries, ...c.unscopedQueries].includes(text)) return [`${c.name} ${text}: hot but not declared`];
        const uses = new Map(requiredShape(parseShapePattern(text)).filter);
        // A short `$in` list of shard keys is routed to the shards holding those values, never to all.
        const missing = Object.keys(c.shardKey).filter((field) => uses.get(field) !== 'eq' && uses.get(field) !== 'in');
        return missing.length
          ? [`${c.name} ${text}: shard key field(s) ${missing.join(', ')} not matched by equality`]
          : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('keep unique indexes shardable: each starts with its collection’s shard key', () => {
    const problems = CATALOG.flatMap((c) =>
      c.indexes
        .filter((index) => index.unique)
        .filter((index) => {
          const fields = Object.keys(index.key);
          return Object.keys(c.shardKey).some((field, i) => fields[i] !== field);
        })
        .map(
          (index) =>
            `${c.name} ${JSON.stringify(index.key)}: shard key ${JSON.stringify(c.shardKey)} is not its prefix`,
        ),
    );
    expect(problems).toEqual([]);
  });

  it('that the whole suite sent are each among their collection’s declared shapes', () => {
    // Queries the tests themselves send to inspect the database are not Orgauth's.
    const shapes = recordedShapes().filter((s) => !s.site.startsWith('test/'));
    // The suite exercises every area: far fewer distinct shapes means nothing was recorded.
    expect(shapes.length).toBeGreaterThan(50);
    const problems = new Set<string>();
    for (const shape of shapes) {
      const declared = declarations.get(shape.collection);
      const patterns = [...(declared?.queries ?? []), ...(declared?.unscopedQueries ?? [])].map(parseShapePattern);
      if (!declared) problems.add(`${shape.collection}: not declared in src/stores/catalog.ts (${shape.site})`);
      else if (!patterns.some((pattern) => shapeMatches(shape, pattern))) {
        problems.add(`${shape.op} ${shape.collection} ${shapeText(shape)} at ${shape.site}: shape not declared`);
      }
    }
    expect([...problems].sort()).toEqual([]);
  });
});
