import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { OrderEvent } from '../domain/events';
import { SecretBox } from '../infra/secret-box';
import type { PayloadKeys } from '../infra/payload-codec';
import { duplicatePositions, isDuplicateKey } from '../infra/mongo-errors';
import { notificationLetterId, type NotificationFailure } from './dead-letters/view';
import { canonical } from './canonical';

/**
 * One domain event, as the projector was given it, kept for good: the event log once Temporal no longer
 * holds the run (its retention, or a deleted run). `_id` is `<orderId>:<seq, six digits>`, so one
 * order's events are adjacent and in order by `_id` (the only index FerretDB uses), and the store
 * refuses a second copy of a seq. The event itself is sealed with the payload key ring, as in the
 * histories: what is readable in clear is which order, which seq, which type and when.
 */
export interface LoggedEvent {
  _id: string;
  orderId: string;
  seq: number;
  type: OrderEvent['type'];
  at: string;
  /** the whole event as JSON, sealed (`sealed:v1:…`), or clear when the deployment has no keys */
  event: string;
}

export const EVENT_LOG = 'order_events';

/** Log entries fetched per round trip when the whole log is read. */
const READ_BATCH = 5_000;

export const eventLogCollection = (db: Db): Collection<LoggedEvent> => db.collection<LoggedEvent>(EVENT_LOG);

/**
 * A notification an order's run gave up on, kept for good beside its events (its dead letter is
 * rebuilt from it): `_id` is the dead letter's, the failure sealed like the events.
 */
export interface LoggedFailure {
  _id: string;
  orderId: string;
  failure: string;
}

export const FAILURE_LOG = 'order_failures';

export const failureLogCollection = (db: Db): Collection<LoggedFailure> =>
  db.collection<LoggedFailure>(FAILURE_LOG);

export const loggedEventId = (orderId: string, seq: number): string =>
  `${orderId}:${String(seq).padStart(6, '0')}`;

/** The log as one deployment writes and reads it: its store and its key ring. */
export class EventLog {
  private readonly box: SecretBox;

  constructor(
    private readonly db: Db,
    keys: PayloadKeys | undefined,
  ) {
    this.box = new SecretBox(keys);
  }

  private entryOf(event: OrderEvent): LoggedEvent {
    return {
      _id: loggedEventId(event.orderId, event.seq),
      orderId: event.orderId,
      seq: event.seq,
      type: event.type,
      at: event.at,
      event: this.box.seal(JSON.stringify(event)),
    };
  }

  /**
   * Appends the events the log does not hold yet, in one round trip; a seq it holds already is left as it
   * is (a retried batch, a replayed run): the log is append-only.
   */
  async append(events: OrderEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await eventLogCollection(this.db).insertMany(
        events.map((e) => this.entryOf(e)),
        { ordered: false },
      );
    } catch (err) {
      if (duplicatePositions(err) === null) throw err;
    }
  }

  /**
   * Puts `events` in place of what the log holds for their seqs: the rebuild's repair, when the log and
   * the history disagree (the history is the record while Temporal keeps it).
   */
  async overwrite(events: OrderEvent[]): Promise<void> {
    if (events.length === 0) return;
    await eventLogCollection(this.db).bulkWrite(
      events.map((e) => {
        const entry = this.entryOf(e);
        return { replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } };
      }),
      { ordered: false },
    );
  }

  /** Every order the log holds, each with its events in seq order: one pass over the log in `_id` order. */
  async *orders(): AsyncGenerator<OrderEvent[]> {
    let current: OrderEvent[] = [];
    for await (const entry of eventLogCollection(this.db).find({}).sort({ _id: 1 }).batchSize(READ_BATCH)) {
      const event = this.opened(entry);
      if (current[0] && current[0].orderId !== event.orderId) {
        yield current;
        current = [];
      }
      current.push(event);
    }
    if (current.length > 0) yield current;
  }

  /** Keeps a notification failure (once: a retried record is the same failure). */
  async appendFailure(failure: NotificationFailure): Promise<void> {
    const { orderId } = failure.order;
    const entry = {
      _id: notificationLetterId(orderId, failure.kind, failure.channel),
      orderId,
      failure: this.box.seal(JSON.stringify(failure)),
    };
    try {
      await failureLogCollection(this.db).insertOne(entry);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Every notification failure kept. */
  async *failures(): AsyncGenerator<NotificationFailure> {
    for await (const entry of failureLogCollection(this.db).find({}).batchSize(READ_BATCH)) {
      yield JSON.parse(this.box.open(entry.failure)) as NotificationFailure;
    }
  }

  /** One order's events in seq order (a range of `_id`s). */
  async eventsOf(orderId: string): Promise<OrderEvent[]> {
    const entries = await eventLogCollection(this.db)
      .find({ _id: { $gt: `${orderId}:`, $lt: `${orderId}:~` } })
      .sort({ _id: 1 })
      .toArray();
    return entries.map((entry) => this.opened(entry));
  }

  private opened(entry: LoggedEvent): OrderEvent {
    return JSON.parse(this.box.open(entry.event)) as OrderEvent;
  }
}

/** One order's events, in seq order, as a short digest: equal digests, equal logs. */
export function digestOf(events: OrderEvent[]): string {
  const hash = createHash('sha256');
  for (const e of [...events].sort((a, b) => a.seq - b.seq))
    hash.update(JSON.stringify(canonical(e))).update('\n');
  return `${events.length}:${hash.digest('base64url').slice(0, 22)}`;
}
