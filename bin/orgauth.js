#!/usr/bin/env node
// The `orgauth` operator command; the code lives in src/cli and is built to dist/ by `npm ci`/`npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('orgauth: not built yet; run `npm ci` (or `npm run build`) in the orgauth folder first\n');
  process.exit(1);
}
await import(entry.href);
