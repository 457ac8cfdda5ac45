/** Workflow id of an order: one helper, so the API, workers and projectors agree. */
export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;
/** The order whose run a workflow id names, or null for another kind of workflow. */
export const orderIdOfWorkflowId = (workflowId: string): string | null =>
  workflowId.startsWith('order-') ? workflowId.slice('order-'.length) : null;
export const invoiceIdFor = (orderId: string): string => `inv-${orderId}`;
/** Order ids come from clients (Idempotency-Key) or are generated; both must match this. */
export const ORDER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
