/**
 * Grouped reads, as group-commit.ts groups writes: keys asked for while a lookup is in flight are looked
 * up together in the next one, and each caller gets its own key's answer. A lone request is looked up at
 * once; under load one database round trip answers many requests.
 */
export function groupedLookup<V>(
  lookup: (keys: string[]) => Promise<Map<string, V>>,
  maxBatch = 100,
): (key: string) => Promise<V | undefined> {
  const pending = new Map<
    string,
    Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>
  >();
  let running = false;

  const drain = async () => {
    running = true;
    while (pending.size > 0) {
      const keys = [...pending.keys()].slice(0, maxBatch);
      const batch = keys.map((key) => [key, pending.get(key) ?? []] as const);
      for (const key of keys) pending.delete(key);
      try {
        const found = await lookup(keys);
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
      } catch (error) {
        for (const [, waiters] of batch) for (const waiter of waiters) waiter.reject(error);
      }
    }
    running = false;
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiters = pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
      if (!running) void drain();
    });
}
