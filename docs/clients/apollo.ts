// docs/clients/apollo.ts
// Apollo Client 4 without React: @apollo/client holds the core; React lives in @apollo/client/react.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { BALANCE, type BalanceData, OPEN_ACCOUNT, type OpenAccountData, type OpenAccountInput } from './documents.js';

/** `possibleTypes`: from possible-types.ts, computed from schema/schema.graphql when you build. */
export function inkwellClient(url: string, apiKey: string, possibleTypes: Record<string, string[]>): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: { Authorization: `Bearer ${apiKey}` } }),
    // Accounts are identified by their code, not an `id`.
    cache: new InMemoryCache({ possibleTypes, typePolicies: { Account: { keyFields: ['code'] } } }),
  });
}

export async function openAccount(client: ApolloClient, input: OpenAccountInput) {
  const { data } = await client.mutate<OpenAccountData>({ mutation: gql(OPEN_ACCOUNT), variables: { input } });
  return data!.openAccount;
}

export async function balance(client: ApolloClient, code: string) {
  const { data } = await client.query<BalanceData>({
    query: gql(BALANCE),
    variables: { code },
    fetchPolicy: 'network-only',
  });
  return data!.account?.balance.posted ?? null;
}
