import { Type } from '@sinclair/typebox';
import { Line, OrderStatus } from './schemas';

const Status = OrderStatus;

export const Freshness = Type.Object({
  source: Type.String(),
  seq: Type.Integer({ description: 'the last event of the order this reflects' }),
  projectedAt: Type.String({ description: 'when that event reached the read model' }),
});

export const CustomerIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
});

export const InvoiceIdParams = Type.Object({
  id: Type.String({ pattern: '^inv-[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
};

export const OrderListQuery = Type.Object(
  {
    customerId: Type.Optional(CustomerIdParams.properties.id),
    status: Type.Optional(Status),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'placed at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'placed before' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const OrderSummary = Type.Object({
  orderId: Type.String(),
  status: Status,
  customer: Type.Object({ id: Type.String(), email: Type.String(), phone: Type.Optional(Type.String()) }),
  total: Type.Integer(),
  currency: Type.Union([Type.String(), Type.Null()]),
  placedAt: Type.String(),
  updatedAt: Type.String(),
  freshness: Freshness,
});

export const OrderPage = Type.Object({
  items: Type.Array(OrderSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});

export const OrderEvents = Type.Object({
  orderId: Type.String(),
  events: Type.Array(
    Type.Object({ seq: Type.Integer(), type: Type.String(), at: Type.String(), data: Type.Unknown() }),
  ),
  freshness: Freshness,
});

export const InvoiceAnswer = Type.Object({
  invoiceId: Type.String(),
  orderId: Type.String(),
  customerId: Type.String(),
  number: Type.Integer(),
  lines: Type.Array(Line),
  total: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('ISSUED'), Type.Literal('PAID'), Type.Literal('VOID')]),
  issuedAt: Type.String(),
  dueAt: Type.String(),
  paidAt: Type.Union([Type.String(), Type.Null()]),
  voidedAt: Type.Union([Type.String(), Type.Null()]),
  voidReason: Type.Union([Type.String(), Type.Null()]),
  freshness: Freshness,
});

export const CustomerOrders = Type.Object({
  customerId: Type.String(),
  orderCount: Type.Integer(),
  ordersByStatus: Type.Record(Type.String(), Type.Integer()),
  lifetimeTotal: Type.Record(Type.String(), Type.Integer(), { description: 'completed orders, minor units' }),
  items: Type.Array(OrderSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('redis'), Type.Literal('mongodb')], {
    description: "redis: the first page from the customer's recent list; mongodb: the orders read model",
  }),
});

export const Stats = Type.Object({
  ordersByStatus: Type.Record(Type.String(), Type.Integer()),
  revenue: Type.Record(Type.String(), Type.Integer(), {
    description: 'completed orders per currency, minor units',
  }),
  freshness: Type.Object({
    source: Type.Union([Type.Literal('redis'), Type.Literal('mongodb')]),
    events: Type.Integer({ description: 'order events these figures reflect (the sum of every order seq)' }),
    projectedAt: Type.Union([Type.String(), Type.Null()], { description: 'when the last of them landed' }),
  }),
});
