/** Business error codes: ApplicationFailure types on the write side, mapped to HTTP statuses by the API. */
export const ErrorCode = {
  UnknownSku: 'UNKNOWN_SKU',
  InsufficientStock: 'INSUFFICIENT_STOCK',
  MixedCurrency: 'MIXED_CURRENCY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
