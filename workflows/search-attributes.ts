import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes operators filter runs by; registered on the server by the stack runner. */
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const ORDER_TOTAL = defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE);

/** `temporal server start-dev --search-attribute` arguments for the keys above. */
export const SEARCH_ATTRIBUTE_ARGS = [
  '--search-attribute',
  'CustomerId=Keyword',
  '--search-attribute',
  'OrderStatus=Keyword',
  '--search-attribute',
  'OrderTotal=Double',
];
