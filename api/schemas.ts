import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ORDER_ID_PATTERN } from '../domain/ids';
import { MAX_PAYMENT } from '../domain/money';

export const PlaceOrderBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
          quantity: Type.Integer({ minimum: 1, maximum: 10000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: ORDER_ID_PATTERN,
      description:
        "The client's key for this order, scoped to the customer: a repeat with the same body is the same order (202, the same orderId), with another body a 422; kept for as long as the order exists",
    }),
  ),
});

export const OrderIdParams = Type.Object({
  id: Type.String({ pattern: ORDER_ID_PATTERN }),
});

export const ConsistencyQuery = Type.Object(
  {
    consistency: Type.Optional(
      Type.Union([Type.Literal('eventual'), Type.Literal('strong')], {
        description: 'eventual (default): the read model; strong: the order workflow itself',
      }),
    ),
    minSeq: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'wait (up to 3 s) until the answer reflects at least this event',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PaymentBody = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: MAX_PAYMENT, description: 'minor units (cents)' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
    reference: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  },
  { additionalProperties: false },
);
export type PaymentBody = Static<typeof PaymentBody>;

export const CancelBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type CancelBody = Static<typeof CancelBody>;

export const CommandAccepted = Type.Object({
  orderId: Type.String(),
  accepted: Type.String({ description: 'the command taken; its outcome shows on the order' }),
  links: Type.Object({ self: Type.String() }),
});

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});

export const OrderAccepted = Type.Object({
  orderId: Type.String(),
  status: Type.String(),
  links: Type.Object({ self: Type.String() }),
});

export const Line = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Type.Integer(),
  lineTotal: Type.Integer(),
});

export const OrderStatus = Type.Union(
  [
    Type.Literal('PLACED'),
    Type.Literal('RESERVED'),
    Type.Literal('AWAITING_PAYMENT'),
    Type.Literal('PAID'),
    Type.Literal('COMPLETED'),
    Type.Literal('REJECTED'),
    Type.Literal('CANCELLED'),
    Type.Literal('FAILED'),
  ],
  { description: 'order status' },
);

/** A union of string literals from a list of values, typed as that union. */
export const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<[TLiteral<T>]>;

export const OrderView = Type.Object({
  orderId: Type.String(),
  status: OrderStatus,
  customer: Type.Object({ id: Type.String(), email: Type.String(), phone: Type.Optional(Type.String()) }),
  items: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
  lines: Type.Array(Line),
  total: Type.Integer(),
  currency: Type.Union([Type.String(), Type.Null()]),
  invoice: Type.Union([
    Type.Object({
      invoiceId: Type.String(),
      number: Type.Integer(),
      dueAt: Type.String(),
      status: Type.Union([Type.Literal('ISSUED'), Type.Literal('PAID'), Type.Literal('VOID')]),
    }),
    Type.Null(),
  ]),
  payment: Type.Union([
    Type.Object({
      reference: Type.String(),
      amount: Type.Integer(),
      currency: Type.String(),
      receivedAt: Type.String(),
    }),
    Type.Null(),
  ]),
  reason: Type.Union([Type.String(), Type.Null()]),
  placedAt: Type.String(),
  updatedAt: Type.String(),
  timeline: Type.Array(
    Type.Object({ seq: Type.Integer(), type: Type.String(), at: Type.String(), data: Type.Unknown() }),
  ),
  /** only on strong reads: commands the workflow accepted and is carrying out */
  pending: Type.Optional(
    Type.Object({
      payment: Type.Union([Type.Object({ reference: Type.String() }), Type.Null()]),
      cancellation: Type.Union([Type.Object({ reason: Type.String() }), Type.Null()]),
      /** the order has started to end (compensating): how it will end and why; payments are refused */
      closing: Type.Union([
        Type.Object({ end: literals(['CANCELLED', 'FAILED'] as const), reason: Type.String() }),
        Type.Null(),
      ]),
    }),
  ),
  freshness: Type.Object({
    source: Type.Union([Type.Literal('redis'), Type.Literal('mongodb'), Type.Literal('workflow')]),
    seq: Type.Integer({ description: 'the last event of the order this answer reflects' }),
    projectedAt: Type.Optional(Type.String({ description: 'when that event reached the read model' })),
  }),
});
export type OrderView = Static<typeof OrderView>;
