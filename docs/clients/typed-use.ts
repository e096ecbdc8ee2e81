// docs/clients/typed-use.ts
// Using the typed operation: amounts are strings, so exact arithmetic stays the caller's choice.
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import type { AccountBalance } from './typed-operations.js';

export const variables: VariablesOf<typeof AccountBalance> = { code: 'assets:bank', asOf: '2026-01-31T00:00:00Z' };

export function postedAmount(data: ResultOf<typeof AccountBalance>): string | null {
  return data.account?.balance.posted.amount ?? null;
}
