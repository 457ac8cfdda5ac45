import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes operators filter runs by; registered on the server by the stack runner. */
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const ORDER_TOTAL = defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE);

/** The keys above as the Temporal CLI names them, to register on a server. */
export const SEARCH_ATTRIBUTES: readonly { name: string; type: 'Keyword' | 'Double' }[] = [
  { name: CUSTOMER_ID.name, type: 'Keyword' },
  { name: ORDER_STATUS.name, type: 'Keyword' },
  { name: ORDER_TOTAL.name, type: 'Double' },
];

/** `temporal server start-dev --search-attribute` arguments for the keys above. */
export const SEARCH_ATTRIBUTE_ARGS = SEARCH_ATTRIBUTES.flatMap(({ name, type }) => [
  '--search-attribute',
  `${name}=${type}`,
]);
