/**
 * Canonical JSON value: dates as ISO strings, keys sorted, `projectedAt` left out (it is when, not
 * what): two documents or events with the same content have the same `JSON.stringify` of it.
 */
export function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'projectedAt')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
