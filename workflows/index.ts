export { orderWorkflow, getOrderQuery } from './order';
export type { PlaceOrderInput, OrderResult } from './order';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export type { WebhookDeliveryInput } from './webhook-delivery';
