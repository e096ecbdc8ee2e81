// docs/clients/documents.ts
// The operations every recipe below sends. Amounts and times are strings (Decimal, DateTime).
export const OPEN_ACCOUNT = /* GraphQL */ `
  mutation OpenAccount($input: OpenAccountInput!) {
    openAccount(input: $input) {
      __typename
      ... on Account { code currency }
      ... on Error { code message }
    }
  }
`;

export const BALANCE = /* GraphQL */ `
  query Balance($code: String!) {
    account(code: $code) { code balance { posted { amount currency } } }
  }
`;

export const LEDGER_EVENTS = /* GraphQL */ `
  subscription LedgerEvents($after: Int) {
    ledgerEvents(afterPosition: $after) { position streamId type }
  }
`;

export interface OpenAccountInput {
  code: string;
  name: string;
  type: 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';
  currency: string;
}

export interface OpenAccountData {
  openAccount: { __typename: string; code?: string; currency?: string; message?: string };
}

export interface BalanceData {
  account: { code: string; balance: { posted: { amount: string; currency: string } } } | null;
}
