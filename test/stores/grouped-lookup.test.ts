import { describe, expect, it } from 'vitest';
import { groupedLookup } from '../../src/stores/grouped-lookup.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('grouped lookup', () => {
  it('looks a lone key up alone, and keys asked meanwhile together, each caller getting its own answer', async () => {
    const lookups: string[][] = [];
    const find = groupedLookup<string>(async (keys) => {
      lookups.push(keys);
      await later(20);
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, `value of ${k}`]));
    });
    expect(await find('a')).toBe('value of a');
    const first = find('b');
    await later(5);
    const answers = await Promise.all([first, ...['c', 'missing', 'c', 'd'].map((key) => find(key))]);
    expect(answers).toEqual(['value of b', 'value of c', undefined, 'value of c', 'value of d']);
    // 'b' went alone; the others, asked while it was in flight, went together, 'c' asked for once.
    expect(lookups).toEqual([['a'], ['b'], ['c', 'missing', 'd']]);
  });

  it('keeps batches to the largest size asked for', async () => {
    const sizes: number[] = [];
    const find = groupedLookup<number>(async (keys) => {
      sizes.push(keys.length);
      await later(5);
      return new Map(keys.map((k) => [k, Number(k)]));
    }, 10);
    const answers = await Promise.all(Array.from({ length: 31 }, (_, i) => find(String(i))));
    expect(answers).toEqual(Array.from({ length: 31 }, (_, i) => i));
    // Asked in one turn: in batches of 10, one after the other.
    expect(sizes).toEqual([10, 10, 10, 1]);
  });

  it('fails exactly the callers whose lookup failed', async () => {
    let calls = 0;
    const find = groupedLookup<string>(async (keys) => {
      calls++;
      await later(10);
      if (calls === 2) throw new Error('store away');
      return new Map(keys.map((k) => [k, k]));
    });
    const first = find('a');
    await later(2);
    const results = await Promise.allSettled([first, find('b'), find('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await expect(find('d')).resolves.toBe('d');
  });
});
