// docs/clients/urql.ts
// urql: queries go as GET by default, and a GET must carry the x-graphql-yoga-csrf header.
// Either send everything as POST (preferGetMethod: false, below) or keep GET and add the header.
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { BALANCE, type BalanceData, OPEN_ACCOUNT, type OpenAccountData, type OpenAccountInput } from './documents.js';

export function inkwellClient(url: string, apiKey: string, useGet = false): Client {
  return new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: useGet ? 'within-url-limit' : false,
    fetchOptions: () => ({
      headers: { Authorization: `Bearer ${apiKey}`, ...(useGet && { 'x-graphql-yoga-csrf': '1' }) },
    }),
  });
}

export async function openAccount(client: Client, input: OpenAccountInput) {
  const result = await client.mutation<OpenAccountData>(OPEN_ACCOUNT, { input }).toPromise();
  if (result.error) throw result.error; // urql returns transport and GraphQL errors, never throws
  return result.data!.openAccount;
}

export async function balance(client: Client, code: string) {
  const result = await client.query<BalanceData>(BALANCE, { code }, { requestPolicy: 'network-only' }).toPromise();
  if (result.error) throw result.error;
  return result.data!.account?.balance.posted ?? null;
}
