/** A request body that could not be read, typed the way the body parser types its own refusals. */
class UnreadableBody extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `onError` of every @koa/bodyparser: its refusals already carry an HTTP status and a type, except
 * two that are the request's fault all the same — a Content-Encoding it does not know (a bare 415)
 * and a gzip, deflate or brotli body that does not decompress (a zlib stream error, else a 500).
 */
export function refuseUnreadableBody(error: unknown): never {
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (status === 415 && type === undefined) {
    throw new UnreadableBody(415, 'encoding.unsupported', 'the Content-Encoding is not supported');
  }
  if (typeof status === 'number') throw error;
  throw new UnreadableBody(400, 'encoding.corrupt', 'the body does not decompress as its Content-Encoding says');
}
