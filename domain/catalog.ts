/** The demo catalog seeded into the inventory when it is empty (prices in minor units). */
export interface CatalogProduct {
  sku: string;
  name: string;
  price: number;
  currency: string;
  stock: number;
}

export const DEMO_CATALOG: readonly CatalogProduct[] = [
  { sku: 'KB-001', name: 'Mechanical keyboard', price: 8900, currency: 'EUR', stock: 100 },
  { sku: 'MS-002', name: 'Wireless mouse', price: 2900, currency: 'EUR', stock: 250 },
  { sku: 'MN-003', name: '27" monitor', price: 27900, currency: 'EUR', stock: 40 },
  { sku: 'CB-004', name: 'USB-C cable', price: 900, currency: 'EUR', stock: 1000 },
  { sku: 'HS-005', name: 'Headset', price: 5900, currency: 'EUR', stock: 5 },
];
