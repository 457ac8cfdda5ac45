export { orderWorkflow, getOrderQuery } from './order';
export type { PlaceOrderInput, OrderResult } from './order';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export type { WebhookDeliveryInput } from './webhook-delivery';
export { notificationRedriveWorkflow } from './notification-redrive';
export type { NotificationRedriveInput } from './notification-redrive';
