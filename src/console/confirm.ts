import type { Context } from 'koa';
import { field, show } from './context.js';

export interface Confirmation {
  /** The page's heading, e.g. "Revoke this API key?". */
  title: string;
  /** What will happen, in the words of the person's world (names, not ids). */
  message: string;
  /** The button that acts, e.g. "Revoke key". */
  button: string;
  /** Where Cancel goes. */
  back: string;
  /** Fields of the first form the action needs again (besides csrf). */
  keep?: string[];
  /** The tab the page belongs to. */
  tab: string;
}

/**
 * Destructive actions take a confirm step that works without JavaScript: the first post shows what
 * will happen and a button that posts again with `confirm=yes`; only that second post acts. Returns
 * true when the action may go ahead (otherwise the confirm page has been rendered).
 */
export function confirmedOrAsk(ctx: Context, confirmation: Confirmation): boolean {
  if (field(ctx, 'confirm') === 'yes') return true;
  const keep = (confirmation.keep ?? []).map((name) => [name, field(ctx, name)] as const);
  show(ctx, 'confirm', {
    title: confirmation.title,
    tab: confirmation.tab,
    message: confirmation.message,
    button: confirmation.button,
    back: confirmation.back,
    action: ctx.path,
    keep,
  });
  return false;
}

/** The name a list showed next to the button (sent with the form): what the confirm page calls the thing. */
export const shownName = (ctx: Context, fallback: string) => field(ctx, 'label').trim().slice(0, 200) || fallback;
