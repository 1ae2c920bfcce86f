// Bounded fan-out for bulk creates and deletes: a fixed number of requests in flight, like a
// client-go worker pool. Unbounded Promise.all over thousands of requests would open thousands of
// sockets at once (client-node 1.4.0 uses one connection per request) and trip server-side limits.

/**
 * Calls `fn` for every item with at most `limit` calls pending. The first failure stops new calls;
 * calls already running are awaited, then that first error is thrown.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const index = next++;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane);
  await Promise.all(lanes);
  if (failure !== null) throw (failure as { readonly error: unknown }).error;
}
