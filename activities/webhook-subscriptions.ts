import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { OrderEventType } from '../domain/events';

/** A signing secret; after a rotation the old one keeps signing alongside the new until it expires. */
export interface SigningSecret {
  /** `whsec_` + base64 of 32 random bytes (the Standard Webhooks form) */
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

const newSecret = (now: Date): SigningSecret => ({
  value: `whsec_${randomBytes(32).toString('base64')}`,
  createdAt: now,
  expiresAt: null,
});

/** The secrets that sign a request sent at `now`, newest first. */
export const activeSecrets = (sub: WebhookSubscription, now: Date): string[] =>
  sub.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map((s) => s.value);

export const viewOf = (sub: WebhookSubscription, now = new Date()): SubscriptionView => ({
  id: sub._id,
  url: sub.url,
  events: sub.events,
  createdAt: sub.createdAt.toISOString(),
  secretsExpire: sub.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .map((s) => s.expiresAt?.toISOString() ?? null),
});

export function createSubscriptionStore(db: Db, now: () => Date = () => new Date()) {
  // Looked up per call: building the store (at app start) touches no connection.
  const subs = () => subscriptionsCollection(db);
  return {
    /** A new subscription with a fresh secret; the caller shows the secret once. */
    async create(input: { url: string; events: OrderEventType[] }) {
      const at = now();
      const sub: WebhookSubscription = {
        _id: `whs_${randomBytes(12).toString('base64url')}`,
        url: input.url,
        events: [...new Set(input.events)],
        secrets: [newSecret(at)],
        createdAt: at,
        deletedAt: null,
        revision: 1,
      };
      await subs().insertOne(sub);
      return { view: viewOf(sub, at), secret: sub.secrets[0]?.value as string };
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
      return res.matchedCount === 1;
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
      const fresh = newSecret(at);
      const secrets = [...kept, fresh];
      // Only if nobody rotated meanwhile: a lost race is the caller's 409, never a lost secret.
      const res = await subs().updateOne(
        { _id: id, revision: sub.revision, deletedAt: null },
        { $set: { secrets, revision: sub.revision + 1 } },
      );
      if (res.matchedCount !== 1) return 'conflict' as const;
      return { view: viewOf({ ...sub, secrets }, at), secret: fresh.value };
    },
  };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
