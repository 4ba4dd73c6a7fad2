import type { Context } from 'koa';
import { escapeHtml } from './fields.js';

const FALLBACK_LOCALE = 'en-US';
const formatters = new Map<string, Intl.DateTimeFormat>();

/** A language tag of Accept-Language that this Node can format dates in, or undefined. */
function supported(tag: string): string | undefined {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0];
  } catch (error) {
    // A malformed tag (`en-x`, `12`) is simply not a language the page can use.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** The person's locale: the first language of their browser's Accept-Language that dates can be written in. */
export function localeOf(ctx: Context): string {
  for (const tag of ctx.acceptsLanguages()) {
    const locale = tag === '*' ? undefined : supported(tag);
    if (locale) return locale;
  }
  return FALLBACK_LOCALE;
}

function formatterFor(locale: string): Intl.DateTimeFormat {
  let formatter = formatters.get(locale);
  if (!formatter) {
    // The server does not know the person's time zone: it writes UTC and says so; console.js
    // rewrites the text in the browser's own zone when scripts run.
    formatter = new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    });
    formatters.set(locale, formatter);
  }
  return formatter;
}

/** Date helpers for a page: `text` for sentences, `time` for a `<time>` element with the exact instant. */
export function datesFor(locale: string) {
  const text = (iso: string | null | undefined) => {
    const at = iso ? new Date(iso) : undefined;
    return at && !Number.isNaN(at.getTime()) ? `${formatterFor(locale).format(at)} UTC` : '—';
  };
  const time = (iso: string | null | undefined) => {
    const shown = text(iso);
    if (shown === '—') return '<span class="none">—</span>';
    const exact = new Date(iso ?? '').toISOString();
    return `<time datetime="${exact}" title="${exact}" data-local>${escapeHtml(shown)}</time>`;
  };
  return { text, time };
}
