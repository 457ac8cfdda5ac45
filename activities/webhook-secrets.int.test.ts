import { startStores, type TestStores } from '../test/helpers/stores';
import { newPayloadKeys, type PayloadKeys } from '../infra/payload-codec';
import { SecretBox } from '../infra/secret-box';
import {
  activeSecrets,
  createSubscriptionStore,
  subscriptionsCollection,
  type SubscriptionStore,
  type WebhookSubscription,
} from './webhook-subscriptions';

/** Webhook signing secrets at rest, on real FerretDB: sealed with the key ring, opened to sign. */
describe('webhook signing secrets at rest', () => {
  let stores: TestStores;
  const k1 = newPayloadKeys('k1');
  const live = async (store: SubscriptionStore, id: string): Promise<WebhookSubscription> => {
    const sub = await store.get(id);
    if (sub === null) throw new Error(`subscription ${id} is gone`);
    return sub;
  };
  const storedOf = async (id: string) =>
    (await subscriptionsCollection(stores.db).findOne({ _id: id }))?.secrets ?? [];

  beforeAll(async () => {
    stores = await startStores('webhook-secrets');
  });
  afterAll(() => stores.stop());

  test('given a key ring, when a subscription is made and its secret rotated, then MongoDB holds neither secret in clear and signing opens both', async () => {
    const box = new SecretBox(k1);
    const store = createSubscriptionStore(stores.db, undefined, undefined, box);
    const made = await store.create({ url: 'https://hooks.example.com/a', events: ['OrderCompleted'] });
    const rotated = await store.rotate(made.view.id, 3_600_000);
    if (rotated === null || rotated === 'conflict') throw new Error('rotation failed');
    const stored = await storedOf(made.view.id);
    const raw = JSON.stringify(stored);
    expect(raw).not.toContain(made.secret);
    expect(raw).not.toContain(rotated.secret);
    expect(raw).not.toContain('whsec_');
    expect(stored.map((s) => s.value.split(':').slice(0, 3).join(':'))).toEqual([
      'sealed:v1:k1',
      'sealed:v1:k1',
    ]);
    expect(activeSecrets(await live(store, made.view.id), new Date(), box)).toEqual([
      rotated.secret,
      made.secret,
    ]);
  });

  test('given the key ring rotated to a new key, then secrets sealed under the old one still open and new ones use the new key', async () => {
    const old = createSubscriptionStore(stores.db, undefined, undefined, new SecretBox(k1));
    const made = await old.create({ url: 'https://hooks.example.com/b', events: ['OrderCompleted'] });
    const k2 = newPayloadKeys('k2');
    const ring: PayloadKeys = { activeId: 'k2', keys: new Map([...k1.keys, ...k2.keys]) };
    const box = new SecretBox(ring);
    const store = createSubscriptionStore(stores.db, undefined, undefined, box);
    const rotated = await store.rotate(made.view.id, 3_600_000);
    if (rotated === null || rotated === 'conflict') throw new Error('rotation failed');
    const stored = await storedOf(made.view.id);
    expect(stored.map((s) => s.value.split(':')[2])).toEqual(['k1', 'k2']);
    expect(activeSecrets(await live(store, made.view.id), new Date(), box)).toEqual([
      rotated.secret,
      made.secret,
    ]);
  });

  test('given a secret stored in clear before sealing, then it still signs', async () => {
    const clear = createSubscriptionStore(stores.db);
    const made = await clear.create({ url: 'https://hooks.example.com/c', events: ['OrderCompleted'] });
    expect((await storedOf(made.view.id))[0]?.value).toBe(made.secret);
    expect(activeSecrets(await live(clear, made.view.id), new Date(), new SecretBox(k1))).toEqual([
      made.secret,
    ]);
  });
});
