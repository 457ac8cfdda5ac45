/**
 * `fn` applied to each item of `source`, at most `limit` at a time, the results yielded as they
 * complete (not in the source's order). A failure is thrown to the consumer at its turn.
 */
export async function* mapConcurrent<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const running = new Map<number, Promise<{ key: number; value: R }>>();
  const settled = async () => {
    const done = await Promise.race(running.values());
    running.delete(done.key);
    return done.value;
  };
  let next = 0;
  for await (const item of source) {
    const key = next++;
    const task = fn(item).then((value) => ({ key, value }));
    // Handled here too, so a failure that lands while the source is read is not an unhandled rejection;
    // it still reaches the consumer through the race below.
    task.catch(() => undefined);
    running.set(key, task);
    if (running.size >= limit) yield await settled();
  }
  while (running.size > 0) yield await settled();
}
