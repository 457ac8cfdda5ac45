/** A product's facts as sold. Prices are integer minor units. */
export interface ProductFacts {
  name: string;
  price: number;
  currency: string;
}

/**
 * A product after one movement of its stock ledger: everything a read model needs, so applying the
 * newest snapshot (highest `seq`) is the whole projection, in whatever order snapshots arrive.
 */
export interface StockSnapshot extends ProductFacts {
  sku: string;
  /** position of the movement in the SKU's ledger, 1..n */
  seq: number;
  /** free to reserve */
  available: number;
  /** held by open reservations */
  reserved: number;
}
