/**
 * Exchanges inside a transaction (issue 22, point 2): a transaction whose legs are in several
 * currencies names the conversions it made, each `{ from, to }` with both amounts exact. Inkwell
 * adds, per exchange, two legs on the pair's conversion accounts — DEBIT `from` on the account in
 * from's currency, CREDIT `to` on the one in to's currency — so that each currency still balances
 * on its own, as hledger's `--infer-equity` writes it (`equity:conversion:EUR-USD:EUR`).
 *
 * The amounts are what is stored; the rate (`to / from`) is derived from them when shown, to
 * RATE_DIGITS significant digits (the quotient of two decimals rarely ends).
 */
import type { EntryInput } from './transaction.js';
import { ValidationError } from './errors.js';
import { Amount, formatAmount, parseCurrency, parsePositiveAmount, type Currency } from './money.js';
import { MAX_LEGS } from './limits.js';

export interface ExchangeMoney {
  /** Exact, at the currency's scale. */
  amount: string;
  currency: string;
}

export interface Exchange {
  from: ExchangeMoney;
  to: ExchangeMoney;
}

export interface ExchangeInput {
  from: { amount: string; currency: string };
  to: { amount: string; currency: string };
}

/** The conversion accounts' root unless configured (INKWELL_CONVERSION_ACCOUNT). */
export const DEFAULT_CONVERSION_ACCOUNT = 'equity:conversion';

/** Significant digits of a shown rate (to / from, rounded half-even): more than any price keeps. */
export const RATE_DIGITS = 20;

/** At most this many exchanges: each adds two legs, and a transaction has at most MAX_LEGS. */
export const MAX_EXCHANGES = MAX_LEGS / 4;

/** One side of an exchange: a currency the ledger knows and an amount > 0 within its scale. */
function money(given: { amount: string; currency: string }, field: string): ExchangeMoney {
  let currency: Currency;
  try {
    currency = parseCurrency(given.currency);
  } catch (error) {
    throw new ValidationError(`${field}.currency`, (error as Error).message.replace(/^currency: /, ''));
  }
  try {
    return {
      amount: formatAmount(parsePositiveAmount(given.amount, currency), currency.scale),
      currency: currency.code,
    };
  } catch (error) {
    throw new ValidationError(`${field}.amount`, (error as Error).message);
  }
}

/** Step 1: each exchange's shape, before anything is loaded. */
export function checkExchanges(input: readonly ExchangeInput[] | null | undefined): Exchange[] {
  if (input == null) return [];
  if (input.length > MAX_EXCHANGES)
    throw new ValidationError('exchanges', `at most ${MAX_EXCHANGES} exchanges, not ${input.length}`);
  return input.map((e, i) => {
    const exchange = { from: money(e.from, `exchanges[${i}].from`), to: money(e.to, `exchanges[${i}].to`) };
    if (exchange.from.currency === exchange.to.currency)
      throw new ValidationError(
        `exchanges[${i}]`,
        `an exchange converts between two currencies, not ${exchange.from.currency} to itself`,
      );
    return exchange;
  });
}

/** A currency as an account-code segment: "EUR" → "eur", the custom "BTC/8" → "btc-8". */
const segment = (currency: string) => currency.toLowerCase().replace('/', '-');

/**
 * The conversion account of `currency` for the pair of `a` and `b`: `<root>:<x>-<y>:<currency>`
 * with x, y the pair in code order (one pair of accounts whichever way it is exchanged), e.g.
 * `equity:conversion:eur-usd:eur`. A currency's segment starts with a letter and a custom
 * scale's with a digit, so `btc-8-usd` reads back one way only.
 */
export function conversionAccount(root: string, a: string, b: string, currency: string): string {
  const [x, y] = [a, b].sort();
  return `${root}:${segment(x!)}-${segment(y!)}:${segment(currency)}`;
}

/** The two legs each exchange adds, in order. */
export function conversionLegs(root: string, exchanges: readonly Exchange[]): EntryInput[] {
  return exchanges.flatMap(({ from, to }) => [
    {
      account: conversionAccount(root, from.currency, to.currency, from.currency),
      direction: 'DEBIT' as const,
      amount: from.amount,
      currency: from.currency,
    },
    {
      account: conversionAccount(root, from.currency, to.currency, to.currency),
      direction: 'CREDIT' as const,
      amount: to.amount,
      currency: to.currency,
    },
  ]);
}

/** Every exchange's currencies must be those of the client's own legs (known once accounts are loaded). */
export function checkExchangeCurrencies(exchanges: readonly Exchange[], legCurrencies: ReadonlySet<string>): void {
  exchanges.forEach((e, i) => {
    for (const [side, m] of [
      ['from', e.from],
      ['to', e.to],
    ] as const)
      if (!legCurrencies.has(m.currency))
        throw new ValidationError(
          `exchanges[${i}].${side}.currency`,
          `${m.currency} is not the currency of any leg of this transaction`,
        );
  });
}

/** The rate an exchange used: to / from, to RATE_DIGITS significant digits, without trailing zeros. */
export function rateOf(exchange: Exchange): string {
  return new Amount(exchange.to.amount).dividedBy(exchange.from.amount).toSignificantDigits(RATE_DIGITS).toFixed();
}
