import { summaryOfRows } from './customer-summary';

describe('customer summary', () => {
  test('given orders by status and completed totals by currency, then the counts, and the lifetime total per currency', () => {
    expect(
      summaryOfRows({
        byStatus: [
          { _id: 'COMPLETED', n: 3 },
          { _id: 'CANCELLED', n: 1 },
          { _id: 'REJECTED', n: 1 },
        ],
        completedByCurrency: [
          { _id: 'EUR', total: 3000 },
          { _id: 'USD', total: 700 },
        ],
      }),
    ).toEqual({
      orderCount: 5,
      ordersByStatus: { COMPLETED: 3, CANCELLED: 1, REJECTED: 1 },
      lifetimeTotal: { EUR: 3000, USD: 700 },
    });
    expect(summaryOfRows({ byStatus: [], completedByCurrency: [] })).toEqual({
      orderCount: 0,
      ordersByStatus: {},
      lifetimeTotal: {},
    });
  });
});
