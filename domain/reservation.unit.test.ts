import { ErrorCode } from './errors';
import { MAX_PAYMENT } from './money';
import { mergeItems, priceOrder } from './reservation';
import type { ProductFacts } from './stock';

const catalog = new Map<string, ProductFacts>([
  ['KB-001', { name: 'Keyboard', price: 4500, currency: 'EUR' }],
  ['MS-002', { name: 'Mouse', price: 1500, currency: 'EUR' }],
  ['US-001', { name: 'Cable', price: 900, currency: 'USD' }],
  ['YACHT-1', { name: 'Yacht', price: MAX_PAYMENT, currency: 'EUR' }],
  ['FREE-1', { name: 'Sticker', price: 0, currency: 'EUR' }],
]);
const refusal = (pricing: ReturnType<typeof priceOrder>) =>
  'refused' in pricing ? pricing.refused.code : null;

describe('the reservation rules', () => {
  test('given known SKUs in one currency, when priced, then each line at the catalog price and the total', () => {
    expect(
      priceOrder(
        mergeItems([
          { sku: 'KB-001', quantity: 2 },
          { sku: 'MS-002', quantity: 1 },
        ]),
        catalog,
      ),
    ).toEqual({
      lines: [
        { sku: 'KB-001', quantity: 2, name: 'Keyboard', unitPrice: 4500, lineTotal: 9000 },
        { sku: 'MS-002', quantity: 1, name: 'Mouse', unitPrice: 1500, lineTotal: 1500 },
      ],
      total: 10500,
      currency: 'EUR',
    });
  });

  test('given the same SKU twice, when merged, then it is one line of the summed quantity', () => {
    expect(
      mergeItems([
        { sku: 'KB-001', quantity: 1 },
        { sku: 'MS-002', quantity: 1 },
        { sku: 'KB-001', quantity: 2 },
      ]),
    ).toEqual([
      { sku: 'KB-001', quantity: 3 },
      { sku: 'MS-002', quantity: 1 },
    ]);
  });

  test('given an unknown SKU, two currencies, nothing to pay or more than a payment carries, then refused with its code', () => {
    expect(priceOrder([{ sku: 'NOPE', quantity: 1 }], catalog)).toEqual({
      refused: { code: ErrorCode.UnknownSku, message: 'unknown SKU: NOPE', details: { skus: ['NOPE'] } },
    });
    expect(
      refusal(
        priceOrder(
          [
            { sku: 'KB-001', quantity: 1 },
            { sku: 'US-001', quantity: 1 },
          ],
          catalog,
        ),
      ),
    ).toBe(ErrorCode.MixedCurrency);
    expect(refusal(priceOrder([{ sku: 'FREE-1', quantity: 3 }], catalog))).toBe(ErrorCode.TotalNotPayable);
    expect(refusal(priceOrder([{ sku: 'YACHT-1', quantity: 1 }], catalog))).toBeNull();
    expect(
      refusal(
        priceOrder(
          [
            { sku: 'YACHT-1', quantity: 1 },
            { sku: 'MS-002', quantity: 1 },
          ],
          catalog,
        ),
      ),
    ).toBe(ErrorCode.TotalNotPayable);
  });
});
