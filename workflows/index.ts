export { orderWorkflow, getOrderQuery } from './order';
export type { PlaceOrderInput, OrderResult } from './order';
