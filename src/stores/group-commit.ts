/** A write may fail for some items only: their errors by position (undefined where it succeeded). */
export type ItemErrors = Array<unknown>;

/**
 * Group commit: the items asked for in one turn of the event loop are written together, and those asked for
 * while a write is in flight go together in the next one; each caller's promise settles when the write holding
 * its item does. Nothing waits on a timer (a lone request is written in the same turn, after the callbacks
 * already queued), and under load one database round trip serves many requests (FerretDB on SQLite pays mostly
 * per command, not per document).
 */
export function groupCommit<T>(
  // Resolves to nothing, or to ItemErrors when some items failed.
  // biome-ignore lint/suspicious/noConfusingVoidType: writes that cannot fail per item return nothing
  write: (items: T[]) => Promise<void | ItemErrors>,
  maxBatch = 256,
): (item: T) => Promise<void> {
  let pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let running = false;

  // Started once per idle period, by the first item (which sets `running`).
  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        const errors = await write(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => {
          const error = errors?.[i];
          if (error === undefined) entry.resolve();
          else entry.reject(error);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running = false;
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      // The first item waits for the turn's other requests (setImmediate: after the I/O callbacks at hand).
      if (!running) {
        running = true;
        setImmediate(() => void drain());
      }
    });
}
