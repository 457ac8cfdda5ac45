/** How fresh a read-model answer is: the last event (or ledger movement) it reflects, and when it landed. */
export const freshnessOf = <S extends string>(doc: { version: number; projectedAt: Date }, source: S) => ({
  source,
  seq: doc.version,
  projectedAt: doc.projectedAt.toISOString(),
});
