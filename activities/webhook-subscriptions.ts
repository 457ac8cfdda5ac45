import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Collection, Db } from 'mongodb';
import type { OrderEventType } from '../domain/events';
import { SecretBox } from '../infra/secret-box';

/** A signing secret; after a rotation the old one keeps signing alongside the new until it expires. */
export interface SigningSecret {
  /** `whsec_` + base64 of 32 random bytes (the Standard Webhooks form), sealed at rest (SecretBox) */
  value: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/** `webhook_subscriptions`: the write side of webhooks, changed only through the admin API. */
export interface WebhookSubscription {
  _id: string;
  url: string;
  events: OrderEventType[];
  secrets: SigningSecret[];
  createdAt: Date;
  /** set by DELETE; deliveries still under way stop at their next attempt */
  deletedAt: Date | null;
  /** grows with every change, so that two concurrent rotations cannot both win */
  revision: number;
}

/** What GET answers: never a secret. */
export interface SubscriptionView {
  id: string;
  url: string;
  events: OrderEventType[];
  createdAt: string;
  /** when each secret that signs now stops signing (null: the current one) */
  secretsExpire: (string | null)[];
}

export const subscriptionsCollection = (db: Db): Collection<WebhookSubscription> =>
  db.collection<WebhookSubscription>('webhook_subscriptions');

export async function ensureSubscriptionIndexes(db: Db): Promise<void> {
  await subscriptionsCollection(db).createIndex({ events: 1 });
}

/** A fresh secret: the value to show once, and the record to store (the value sealed). */
function newSecret(now: Date, box: SecretBox): { shown: string; stored: SigningSecret } {
  const shown = `whsec_${randomBytes(32).toString('base64')}`;
  return { shown, stored: { value: box.seal(shown), createdAt: now, expiresAt: null } };
}

/** The secrets that sign a request sent at `now`, newest first, opened. */
export const activeSecrets = (sub: WebhookSubscription, now: Date, box: SecretBox): string[] =>
  sub.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map((s) => box.open(s.value));

export const viewOf = (sub: WebhookSubscription, now = new Date()): SubscriptionView => ({
  id: sub._id,
  url: sub.url,
  events: sub.events,
  createdAt: sub.createdAt.toISOString(),
  secretsExpire: sub.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .map((s) => s.expiresAt?.toISOString() ?? null),
});

/**
 * Grows by one each time the set of live subscriptions changes (one is created or deleted): projectors
 * keep the list they dispatch to while it stays the same.
 */
export const SUBSCRIPTIONS_REVISION_KEY = 'webhooks:subscriptions:revision';

/** Tells the projectors that the live subscriptions changed, so that their next batch reads them anew. */
export async function announceSubscriptionChange(redis: Redis): Promise<void> {
  await redis.incr(SUBSCRIPTIONS_REVISION_KEY);
}

/**
 * The live subscriptions to any of some event types, as a projector looks them up for every batch: read
 * from MongoDB once, then kept while the revision in Redis stays the same (one Redis read per batch
 * instead of a MongoDB query), for at most `maxAgeMs`. The bound covers a change whose announcement
 * failed (Redis unreachable from the API but not from here); while Redis fails here, nothing is kept
 * and MongoDB is asked every time.
 */
export function cachedSubscriptions(
  db: Db,
  redis: Redis,
  { maxAgeMs = 30_000, now = Date.now }: { maxAgeMs?: number; now?: () => number } = {},
) {
  let kept: { revision: string | null; at: number; live: Promise<WebhookSubscription[]> } | null = null;
  const live = () => subscriptionsCollection(db).find({ deletedAt: null }).toArray();
  const allLive = async (): Promise<WebhookSubscription[]> => {
    let revision: string | null;
    try {
      revision = await redis.get(SUBSCRIPTIONS_REVISION_KEY);
    } catch {
      kept = null;
      return live();
    }
    if (kept === null || kept.revision !== revision || now() - kept.at > maxAgeMs) {
      const reading = { revision, at: now(), live: live() };
      kept = reading;
      // A failed read is not kept: the next batch reads again.
      reading.live.catch(() => {
        if (kept === reading) kept = null;
      });
    }
    return kept.live;
  };
  return async (types: OrderEventType[]): Promise<WebhookSubscription[]> =>
    (await allLive()).filter((s) => s.events.some((e) => types.includes(e)));
}

export function createSubscriptionStore(
  db: Db,
  now: () => Date = () => new Date(),
  /** called once a subscription was created or deleted (the projectors' lists are out of date) */
  changed: () => Promise<void> = () => Promise.resolve(),
  /** seals the signing secrets at rest (clear without keys) */
  box: SecretBox = new SecretBox(undefined),
) {
  // Looked up per call: building the store (at app start) touches no connection.
  const subs = () => subscriptionsCollection(db);
  return {
    /** A new subscription with a fresh secret; the caller shows the secret once. */
    async create(input: { url: string; events: OrderEventType[] }) {
      const at = now();
      const secret = newSecret(at, box);
      const sub: WebhookSubscription = {
        _id: `whs_${randomBytes(12).toString('base64url')}`,
        url: input.url,
        events: [...new Set(input.events)],
        secrets: [secret.stored],
        createdAt: at,
        deletedAt: null,
        revision: 1,
      };
      await subs().insertOne(sub);
      await changed();
      return { view: viewOf(sub, at), secret: secret.shown };
    },

    async list(): Promise<SubscriptionView[]> {
      const at = now();
      const all = await subs().find({ deletedAt: null }).sort({ createdAt: 1, _id: 1 }).toArray();
      return all.map((s) => viewOf(s, at));
    },

    /** The live subscription, or null (unknown or deleted). */
    async get(id: string): Promise<WebhookSubscription | null> {
      return subs().findOne({ _id: id, deletedAt: null });
    },

    /** The live subscriptions to any of `types`. */
    async subscribedTo(types: OrderEventType[]): Promise<WebhookSubscription[]> {
      return subs()
        .find({ events: { $in: types }, deletedAt: null })
        .toArray();
    },

    /** true if it was live. */
    async remove(id: string): Promise<boolean> {
      const res = await subs().updateOne({ _id: id, deletedAt: null }, { $set: { deletedAt: now() } });
      if (res.matchedCount !== 1) return false;
      await changed();
      return true;
    },

    /**
     * A new secret signs from now on; the ones signing until now keep signing beside it for `overlapMs`,
     * so receivers can switch without rejecting a request. null when there is no such subscription.
     */
    async rotate(id: string, overlapMs: number) {
      const sub = await subs().findOne({ _id: id, deletedAt: null });
      if (sub === null) return null;
      const at = now();
      const until = new Date(at.getTime() + overlapMs);
      const kept = sub.secrets
        .filter((s) => s.expiresAt === null || s.expiresAt > at)
        .map((s) => ({ ...s, expiresAt: s.expiresAt && s.expiresAt < until ? s.expiresAt : until }));
      const fresh = newSecret(at, box);
      const secrets = [...kept, fresh.stored];
      // Only if nobody rotated meanwhile: a lost race is the caller's 409, never a lost secret.
      const res = await subs().updateOne(
        { _id: id, revision: sub.revision, deletedAt: null },
        { $set: { secrets, revision: sub.revision + 1 } },
      );
      if (res.matchedCount !== 1) return 'conflict' as const;
      return { view: viewOf({ ...sub, secrets }, at), secret: fresh.shown };
    },
  };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
