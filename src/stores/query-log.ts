import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { type QueryShape, shapesOfCommand } from './query-shape.js';

export interface LoggedShape extends QueryShape {
  /** The nearest function of Orgauth's own code on the command's (async) stack, as `file:line`. */
  site: string;
}

const SOURCE_FRAME = /\(?((?:\/[^()\s]*)?\/(?:src|bench|test|examples)\/[^()\s]+?):(\d+):\d+\)?$/;

/** Generic helpers whose caller is the call site worth naming. */
const HELPERS = ['/stores/query-log.', '/stores/pagination.', '/stores/delete-in-batches.', '/stores/collections.'];

function callSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    if (line.includes('node_modules') || HELPERS.some((helper) => line.includes(helper))) continue;
    const match = SOURCE_FRAME.exec(line.trim());
    if (match?.[1] && match[2]) return `${match[1].replace(/^.*?\/(src|bench|test|examples)\//, '$1/')}:${match[2]}`;
  }
  return 'unknown';
}

/**
 * Records the shape of every read the driver sends (once per shape and call site) into
 * `${dir}/${pid}.jsonl`, for checking that each is served by a declared index
 * (test/stores/query-shapes.test.ts). Enabled by QUERY_SHAPE_LOG; costs a stack trace per command.
 */
export function attachQueryLog(client: MongoClient, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}.jsonl`);
  const seen = new Set<string>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const shapes = shapesOfCommand(event.commandName, event.command as Record<string, unknown>);
    if (!shapes.length) return;
    const site = callSite();
    for (const shape of shapes) {
      const line = JSON.stringify({ ...shape, site } satisfies LoggedShape);
      if (seen.has(line)) continue;
      seen.add(line);
      appendFileSync(file, `${line}\n`);
    }
  });
}
