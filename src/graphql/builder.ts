/** The Pothos schema builder: scalars and the request context every resolver sees. */
import SchemaBuilder from '@pothos/core';
import type DataLoader from 'dataloader';
import type { Ledger } from '../ledger/ledger.js';
import type { CommandContext } from '../ledger/context.js';
import type { AccountView, TransactionView } from '../ledger/queries.js';

export interface GraphQLContext {
  ledger: Ledger;
  /** Who is asking and under which request id; flows into every event's metadata. */
  command: CommandContext;
  /** Per-request batching of account lookups (Entry.account and the like). */
  accounts: DataLoader<string, AccountView | null>;
  transactions: DataLoader<string, TransactionView | null>;
  /** "Now" for this request, so every default time in one response agrees (moved on after each mutation). */
  now: string;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    Decimal: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({ defaultFieldNullability: false });
