import { Type, type Static } from '@sinclair/typebox';
import { ORDER_ID_PATTERN } from '../domain/ids';

export const PlaceOrderBody = Type.Object(
  {
    customer: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
        email: Type.String({ format: 'email', maxLength: 254 }),
      },
      { additionalProperties: false },
    ),
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
  'idempotency-key': Type.Optional(Type.String({ pattern: ORDER_ID_PATTERN })),
});

export const OrderIdParams = Type.Object({
  id: Type.String({ pattern: ORDER_ID_PATTERN }),
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

const Line = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Type.Integer(),
  lineTotal: Type.Integer(),
});

export const OrderView = Type.Object({
  orderId: Type.String(),
  status: Type.String(),
  customer: Type.Object({ id: Type.String(), email: Type.String() }),
  items: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
  lines: Type.Array(Line),
  total: Type.Integer(),
  currency: Type.Union([Type.String(), Type.Null()]),
  invoice: Type.Union([Type.Object({ invoiceId: Type.String(), number: Type.Integer() }), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  placedAt: Type.String(),
  updatedAt: Type.String(),
  timeline: Type.Array(
    Type.Object({ seq: Type.Integer(), type: Type.String(), at: Type.String(), data: Type.Unknown() }),
  ),
  freshness: Type.Object({
    source: Type.String(),
    seq: Type.Integer(),
    projectedAt: Type.String(),
  }),
});
