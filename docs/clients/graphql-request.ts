// docs/clients/graphql-request.ts
// graphql-request: POSTs JSON, so no CSRF header is needed.
import { GraphQLClient } from 'graphql-request';
import { BALANCE, type BalanceData, OPEN_ACCOUNT, type OpenAccountData, type OpenAccountInput } from './documents.js';

export function inkwellClient(url: string, apiKey: string): GraphQLClient {
  return new GraphQLClient(url, { headers: { Authorization: `Bearer ${apiKey}` } });
}

export async function openAccount(client: GraphQLClient, input: OpenAccountInput) {
  const data = await client.request<OpenAccountData>(OPEN_ACCOUNT, { input });
  return data.openAccount; // a typed error (AccountAlreadyExists…) is data: check __typename
}

export async function balance(client: GraphQLClient, code: string) {
  const data = await client.request<BalanceData>(BALANCE, { code });
  return data.account?.balance.posted ?? null;
}
