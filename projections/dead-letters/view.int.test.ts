import { startStores, type TestStores } from '../../test/helpers/stores';
import { deadLettersCollection, listDeadLetters, type DeadLetter, type LetterCursor } from './view';

describe('paging the dead letters', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await startStores('dead-letters');
  }, 60_000);
  afterAll(() => stores.stop());

  const letter = (id: string, lastAttemptAt: string | null): DeadLetter => ({
    _id: id,
    kind: 'webhook',
    status: 'open',
    what: `delivery ${id}`,
    target: 'https://erp.example.com/hooks',
    orderId: 'o-1',
    why: 'no success within the retry window',
    attempts: lastAttemptAt ? 3 : 0,
    lastError: lastAttemptAt ? 'HTTP 503' : null,
    lastAttemptAt,
    redrives: 0,
    version: 1,
    projectedAt: new Date(),
  });

  test('given letters sharing an instant and some never attempted, then pages of 3 list each once, newest first, the unattempted last', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, m)).toISOString();
    await deadLettersCollection(stores.db).insertMany([
      letter('a', t(1)),
      letter('b', t(5)),
      letter('c', t(5)),
      letter('d', t(5)),
      letter('e', null),
      letter('f', t(3)),
      letter('g', null),
    ]);
    const seen: string[] = [];
    let after: LetterCursor | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listDeadLetters(stores.db, {}, { limit: 3, after });
      seen.push(...page.items.map((l) => l._id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(['d', 'c', 'b', 'f', 'a', 'g', 'e']);
  });
});
