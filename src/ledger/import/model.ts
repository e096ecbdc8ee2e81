/**
 * What an import source (a journal, a JSON Lines export) gives the importer: the accounts it
 * needs, then its transactions one by one, each with its source line and the text its
 * idempotency key is derived from.
 */
import type { AccountType, Leg } from '../../domain/account.js';
import type { ExchangeInput } from '../../domain/exchanges.js';
import type { JsonObject } from '../../domain/json.js';
import type { Amount } from '../../domain/money.js';

export interface AccountPlan {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  /** At or before the account's first posting in the source. */
  effectiveAt: string;
  metadata?: JsonObject | null;
  minimumBalance?: string | null;
  maximumBalance?: string | null;
}

/** `= AMOUNT` after a posting: the account's balance (debits positive) after it. */
export interface Assertion {
  line: number;
  account: string;
  currency: string;
  expected: Amount;
  /** This transaction's own postings to the account up to and including the asserted one. */
  within: Amount;
}

export interface ImportItem {
  line: number;
  /** The source text the idempotency key hashes (with its ordinal among identical ones). */
  content: string;
  effectiveAt: string;
  description: string | null;
  metadata: JsonObject;
  /** Empty for a transaction that only asserts balances. */
  legs: Leg[];
  /** The conversions it made: Inkwell adds the conversion legs (PostTransactionInput.exchanges). */
  exchanges: ExchangeInput[];
  assertions: Assertion[];
}

/** A market price (a `P` directive, a PriceSet event): recorded with setPrice. */
export interface ImportPrice {
  kind: 'price';
  line: number;
  base: string;
  quote: string;
  rate: string;
  effectiveAt: string;
}

export interface ImportSource {
  /** Every account the source posts to, read in a first pass (or from its own openings). */
  plan(): Promise<Map<string, AccountPlan>>;
  items(): AsyncIterable<ImportItem | ImportPrice>;
  /** Whether its transactions can assert balances (a dry run then remembers what it would post). */
  assertions: boolean;
  /** Open the planned accounts no transaction touched too (an export's accounts are all of them). */
  openUnused: boolean;
  /** What the source held that was read but not imported (shown in the summary). */
  notes: Map<string, number>;
}
