/** A write refused by a unique index (MongoDB and FerretDB both answer code 11000). */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * The positions of the documents an unordered `insertMany` refused as duplicates, when that is all it
 * refused; null for any other failure (then nothing can be said of what was written).
 */
export function duplicatePositions(err: unknown): number[] | null {
  if (typeof err !== 'object' || err === null || !('writeErrors' in err)) return null;
  // The driver gives one write error as itself, several as an array.
  const raw = err.writeErrors;
  const errors = (Array.isArray(raw) ? raw : [raw]) as { code?: unknown; index?: unknown }[];
  if (errors.length === 0 || !errors.every((e) => isDuplicateKey(e) && typeof e.index === 'number')) {
    return null;
  }
  return errors.map((e) => e.index as number);
}

/**
 * A failure to reach the store (refused, reset, timed out): the driver names it `MongoNetworkError`
 * (or a `MongoServerSelectionError`), whatever the operation was.
 */
export function isStoreUnreachable(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return (
    name === 'MongoNetworkError' ||
    name === 'MongoServerSelectionError' ||
    name === 'MongoNetworkTimeoutError'
  );
}
