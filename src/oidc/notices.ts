/**
 * oidc-provider prints its notices and warnings with console.info/console.warn (stdout/stderr),
 * which would corrupt the CLI's JSON output and bypass our structured logs. Imported before
 * oidc-provider is loaded, this routes those lines to a sink (the logger, once one exists) and
 * leaves every other console call alone.
 */
type Sink = (level: 'info' | 'warn', message: string) => void;

const PREFIX = /^oidc-provider (NOTICE|WARNING): /;
const pending: Array<[level: 'info' | 'warn', message: string]> = [];
let sink: Sink | undefined;

function route(level: 'info' | 'warn', original: (...args: unknown[]) => void) {
  return (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && typeof first === 'string' && PREFIX.test(first)) {
      const message = first.replace(PREFIX, '');
      if (sink) sink(level, message);
      else if (pending.length < 50) pending.push([level, message]);
      return;
    }
    original(...args);
  };
}

console.info = route('info', console.info.bind(console));
console.warn = route('warn', console.warn.bind(console));

/** Sends oidc-provider's notices (including those printed before) to the given sink. */
export function setOidcNoticeSink(next: Sink): void {
  sink = next;
  for (const [level, message] of pending.splice(0)) next(level, message);
}
