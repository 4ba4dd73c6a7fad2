import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Router from '@koa/router';
import { repoRoot } from '../stores/local/index.js';

/** The documents the server links to (discovery's `service_documentation`), served as they are in docs/. */
const PUBLISHED = new Set(['org-binding', 'admin-api', 'credits', 'deploy']);

/**
 * `/docs/{name}`: the Markdown documents a client developer is pointed to, as plain text (every browser
 * shows it; the headings and tables read as they are written). Unknown names are 404.
 */
export function docsRoutes() {
  const router = new Router();
  router.get('/docs/:name', async (ctx) => {
    const name = ctx.params.name ?? '';
    if (!PUBLISHED.has(name)) return;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await readFile(join(repoRoot, 'docs', `${name}.md`), 'utf8');
  });
  return router;
}
