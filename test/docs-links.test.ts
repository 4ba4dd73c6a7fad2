import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/stores/local/index.js';

/** README.md and every document in docs/. */
const documents = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown links `[text](target)` that point inside the repository (no scheme, no bare anchor). */
function localLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...withoutCode.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith('#'));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('links in README and docs', () => {
  it.each(documents)('%s links only to files (and headings) that exist in the repository', (document) => {
    const text = readFileSync(join(repoRoot, document), 'utf8');
    const broken: string[] = [];
    for (const target of localLinks(text)) {
      const [path = '', anchor] = target.split('#');
      const file = join(repoRoot, dirname(document), decodeURIComponent(path));
      if (relative(repoRoot, file).startsWith('..') || !existsSync(file)) {
        broken.push(target);
        continue;
      }
      if (anchor && file.endsWith('.md')) {
        const headings = [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1] ?? ''));
        if (!headings.includes(anchor)) broken.push(target);
      }
    }
    expect(broken).toEqual([]);
  });

  it('mention no file outside the repository', () => {
    for (const document of documents) {
      expect(readFileSync(join(repoRoot, document), 'utf8'), document).not.toMatch(/\.\.\/shared\//);
    }
  });
});
