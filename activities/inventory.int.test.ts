import { ApplicationFailure } from '@temporalio/common';
import { withCollectionMethod } from '../test/helpers/db-proxy';
import { startStores, type TestStores } from '../test/helpers/stores';
import { createInventoryActivities } from './inventory';
import { createCatalog, seedCatalog, seedProducts } from './catalog';
import { inventoryCollections, stockHead } from './stock-ledger';

describe('inventory activities against the real Mongo-compatible store', () => {
  let stores: TestStores;
  let inv: ReturnType<typeof createInventoryActivities>;
  const available = async (sku: string) => (await stockHead(stores.db, sku))?.available;

  beforeAll(async () => {
    stores = await startStores('inventory');
    await seedCatalog(stores.db);
    inv = createInventoryActivities({ db: stores.db });
  });
  afterAll(() => stores?.stop());

  test('given stock, when an order reserves twice (a retry), then stock is taken once', async () => {
    const before = await available('MN-003');
    const first = await inv.reserveStock({ orderId: 'o-retry', items: [{ sku: 'MN-003', quantity: 3 }] });
    await inv.reserveStock({ orderId: 'o-retry', items: [{ sku: 'MN-003', quantity: 3 }] });
    expect(await available('MN-003')).toBe((before ?? 0) - 3);
    expect(first.total).toBe(3 * 27900);
    expect(first.lines[0]).toMatchObject({ sku: 'MN-003', name: '27" monitor', unitPrice: 27900 });
  });

  test.each([
    ['more than one payment may carry', [{ sku: 'YACHT-1', quantity: 2 }], 2_000_000_000],
    ['nothing to pay', [{ sku: 'FREE-1', quantity: 3 }], 0],
  ])(
    'given a total with %s, when the order reserves, then it is refused for good and nothing is held',
    async (_case, items, total) => {
      await seedProducts(stores.db, [
        { sku: 'YACHT-1', name: 'Yacht', price: 1_000_000_000, currency: 'EUR', stock: 5 },
        { sku: 'FREE-1', name: 'Sticker', price: 0, currency: 'EUR', stock: 5 },
      ]);
      const sku = items[0]?.sku ?? '';
      const before = await available(sku);
      const attempt = inv.reserveStock({ orderId: `o-unpayable-${sku}`, items });
      await expect(attempt).rejects.toMatchObject({
        type: 'ORDER_TOTAL_NOT_PAYABLE',
        nonRetryable: true,
        message: `the order's total ${total} cannot be paid: a payment is 1 to 1000000000 minor units`,
      });
      expect(await available(sku)).toBe(before);
    },
  );

  test('given one short item, when a multi-item order reserves, then no item stays reserved', async () => {
    const kb = await available('KB-001');
    const hs = await available('HS-005');
    const attempt = inv.reserveStock({
      orderId: 'o-partial',
      items: [
        { sku: 'KB-001', quantity: 1 },
        { sku: 'HS-005', quantity: 999 },
      ],
    });
    await expect(attempt).rejects.toMatchObject({ type: 'INSUFFICIENT_STOCK', nonRetryable: true });
    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    expect(await available('KB-001')).toBe(kb);
    expect(await available('HS-005')).toBe(hs);
    const movements = await inventoryCollections(stores.db)
      .movements.find({ orderId: 'o-partial' })
      .toArray();
    expect(movements.reduce((s, m) => s + m.delta, 0)).toBe(0);
  });

  test('given an unknown SKU, when reserving, then it is refused before anything is held', async () => {
    const kb = await available('KB-001');
    await expect(
      inv.reserveStock({
        orderId: 'o-unknown',
        items: [
          { sku: 'KB-001', quantity: 1 },
          { sku: 'NOPE', quantity: 1 },
        ],
      }),
    ).rejects.toMatchObject({ type: 'UNKNOWN_SKU', nonRetryable: true });
    expect(await available('KB-001')).toBe(kb);
  });

  test('given 5 headsets, when 20 orders race for one each from 4 workers, then exactly 5 succeed and stock ends at 0', async () => {
    // Four activity instances stand for four worker processes: nothing in memory serialises them,
    // only the ledger's unique indexes; some orders are tried twice (retries racing themselves).
    const workers = Array.from({ length: 4 }, () => createInventoryActivities({ db: stores.db }));
    const attempts = [...Array.from({ length: 20 }, (_, i) => i), 0, 1, 2, 3];
    const results = await Promise.allSettled(
      attempts.map((i, n) =>
        (workers[n % 4] as typeof inv).reserveStock({
          orderId: `race-${i}`,
          items: [{ sku: 'HS-005', quantity: 1 }],
        }),
      ),
    );
    const won = new Set(
      attempts.filter((_, n) => results[n]?.status === 'fulfilled').map((i) => `race-${i}`),
    );
    expect(won.size).toBe(5);
    expect(await available('HS-005')).toBe(0);
    const reserves = await inventoryCollections(stores.db)
      .movements.find({ sku: 'HS-005', kind: 'reserve' })
      .toArray();
    expect(new Set(reserves.map((m) => m.orderId))).toEqual(won);
    expect((await stockHead(stores.db, 'HS-005'))?.reserved).toBe(5);
    const ledger = await inventoryCollections(stores.db).movements.find({ sku: 'HS-005' }).toArray();
    expect(ledger.every((m) => m.available >= 0)).toBe(true);
  });

  test('given a reservation, when released twice, then stock comes back once and the ledger adds up', async () => {
    const before = await available('CB-004');
    await inv.reserveStock({ orderId: 'o-release', items: [{ sku: 'CB-004', quantity: 7 }] });
    await inv.releaseStock({ orderId: 'o-release', items: [{ sku: 'CB-004', quantity: 7 }] });
    await inv.releaseStock({ orderId: 'o-release', items: [{ sku: 'CB-004', quantity: 7 }] });
    expect(await available('CB-004')).toBe(before);
    const { movements } = inventoryCollections(stores.db);
    const ledger = await movements.find({ sku: 'CB-004' }).toArray();
    expect(ledger.reduce((s, m) => s + m.delta, 0)).toBe(before);
    expect(ledger.filter((m) => m.orderId === 'o-release').map((m) => m.kind)).toEqual([
      'reserve',
      'release',
    ]);
  });

  /**
   * The store as a second process sees it: its first write of a movement waits until `release`, after
   * it has read the head (the moment another process can take the same seq).
   */
  const holdingFirstMovement = () => {
    let reachedInsert = () => undefined as void;
    let release = () => undefined as void;
    const reached = new Promise<void>((r) => (reachedInsert = r));
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    const movements = inventoryCollections(stores.db).movements.collectionName;
    const db = withCollectionMethod(stores.db, movements, 'insertOne', (insertOne) => async (...args) => {
      if (!held) {
        held = true;
        reachedInsert();
        await released;
      }
      return insertOne(...args);
    });
    return { db, reached, release };
  };

  test('given two processes changing one product, when one writes after the other took its seq, then both changes land and orders are priced at the result', async () => {
    await seedProducts(stores.db, [{ sku: 'DUO-2', name: 'Lamp', price: 1000, currency: 'EUR', stock: 3 }]);
    const slow = holdingFirstMovement();
    const renaming = createCatalog({ db: slow.db }).updateProduct('DUO-2', { name: 'Duo lamp' }, 'rename-2');
    await slow.reached;
    // the other process reprices at the head the renaming one read, and takes the next seq first
    await createCatalog({ db: stores.db }).updateProduct('DUO-2', { price: 5100 }, 'reprice-2');
    slow.release();
    expect(await renaming).toMatchObject({ name: 'Duo lamp', price: 5100 });
    const head = await stockHead(stores.db, 'DUO-2');
    expect({ seq: head?.seq, product: head?.product }).toEqual({
      seq: 3,
      product: { name: 'Duo lamp', price: 5100, currency: 'EUR' },
    });
    const reservation = await inv.reserveStock({
      orderId: 'o-duo-2',
      items: [{ sku: 'DUO-2', quantity: 1 }],
    });
    expect(reservation.lines[0]).toMatchObject({ name: 'Duo lamp', unitPrice: 5100 });
  });

  /** Two attempts of one order's reservation, one refused while the other runs on, forced in turn. */
  describe('an attempt that runs on after its retry', () => {
    const reserved = async (sku: string) => (await stockHead(stores.db, sku))?.reserved;

    test('given the retry refused (sold out) and stock back, when the first attempt holds late, then the hold goes back and the attempt fails', async () => {
      await seedProducts(stores.db, [
        { sku: 'RACE-1', name: 'Lamp', price: 1000, currency: 'EUR', stock: 1 },
      ]);
      await inv.reserveStock({ orderId: 'o-other', items: [{ sku: 'RACE-1', quantity: 1 }] });
      // the retry finds it sold out: the order is rejected, and its release is written (of nothing)
      await expect(
        inv.reserveStock({ orderId: 'o-late', items: [{ sku: 'RACE-1', quantity: 1 }] }),
      ).rejects.toMatchObject({
        type: 'INSUFFICIENT_STOCK',
      });
      await inv.releaseStock({ orderId: 'o-other', items: [{ sku: 'RACE-1', quantity: 1 }] });
      // the first attempt, still running, now finds the unit free and holds it, after the release
      const late = inv.reserveStock({ orderId: 'o-late', items: [{ sku: 'RACE-1', quantity: 1 }] });
      await expect(late).rejects.toMatchObject({ type: 'INSUFFICIENT_STOCK' });
      await expect(late).rejects.toThrow(/released meanwhile/);
      expect({ available: await available('RACE-1'), reserved: await reserved('RACE-1') }).toEqual({
        available: 1,
        reserved: 0,
      });
    });

    test('given the first attempt refused on its second item, when the retry finds the first item "held", then it is not taken as held', async () => {
      await seedProducts(stores.db, [
        { sku: 'RACE-2', name: 'Desk', price: 1000, currency: 'EUR', stock: 5 },
        { sku: 'RACE-3', name: 'Chair', price: 1000, currency: 'EUR', stock: 0 },
      ]);
      const items = [
        { sku: 'RACE-2', quantity: 1 },
        { sku: 'RACE-3', quantity: 1 },
      ];
      await expect(inv.reserveStock({ orderId: 'o-twice', items })).rejects.toMatchObject({
        type: 'INSUFFICIENT_STOCK',
      });
      await createCatalog({ db: stores.db }).adjustStock('RACE-3', 1, 'delivery', 'restock-race-3');
      // the retry: RACE-2's hold exists but was released with the refusal; RACE-3 is free now
      await expect(inv.reserveStock({ orderId: 'o-twice', items })).rejects.toThrow(/released meanwhile/);
      expect({
        desk: [await available('RACE-2'), await reserved('RACE-2')],
        chair: [await available('RACE-3'), await reserved('RACE-3')],
      }).toEqual({ desk: [5, 0], chair: [1, 0] });
    });
  });
});
