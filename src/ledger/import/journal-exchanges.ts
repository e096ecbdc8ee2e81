/**
 * hledger's balancing with costs, as Inkwell exchanges (PostTransactionInput.exchanges). A posting
 * `q C @ unit D` (or `@@ total D`) exchanged its cost in D for q in C: received (q > 0), the cost
 * went out; given (q < 0), the cost came in. Each currency must then balance once the exchanges
 * are counted; the one posting without an amount takes what is left, in the one currency left.
 * A transaction in exactly two currencies with no cost written, each unbalanced the opposite way,
 * is the exchange hledger infers: what went out for what came in.
 */
import { conversionAccount, type ExchangeInput } from '../../domain/exchanges.js';
import { parseJournalAmount } from '../../domain/hledger-amount.js';
import type { JournalAmount } from '../../domain/hledger-amount.js';
import type { JournalPosting, JournalTransaction } from '../../domain/hledger-journal.js';
import { Amount, ZERO } from '../../domain/money.js';
import type { JournalFacts } from './journal-accounts.js';
import { ImportRefused } from './refusal.js';

/** A posting as the transaction resolves it. */
export interface Resolved {
  line: number;
  account: string;
  /** The account's currency as the first pass found it (null: first seen here). */
  accountCurrency: string | null;
  /** Empty until inferred, for the posting that leaves its amount out. */
  currency: string;
  quantity: Amount | null;
  assertion: JournalAmount | null;
  /** `@`/`@@`: the whole cost, positive, in another currency. */
  cost: { currency: string; total: Amount } | null;
}

/** A posting's whole cost: positive, in another currency, within that currency's decimals. */
export function costOf(
  cost: NonNullable<JournalPosting['cost']>,
  quantity: Amount,
  currency: string,
  line: number,
  facts: JournalFacts,
): { currency: string; total: Amount } {
  if (!cost.amount.quantity.isPositive()) throw new ImportRefused(line, 'a cost (@ or @@) must be positive');
  // A unit price may be finer than the currency (hledger allows it); only the total must fit.
  const resolved = facts.commodities.currencyOf(cost.amount.symbol);
  if (typeof resolved === 'string') throw new ImportRefused(line, resolved);
  const { code: costCurrency, scale } = resolved;
  if (costCurrency === currency) throw new ImportRefused(line, `a cost in ${currency} of an amount in ${currency}`);
  const total = cost.total ? cost.amount.quantity : quantity.abs().times(cost.amount.quantity);
  if (total.decimalPlaces() > scale)
    throw new ImportRefused(
      line,
      `the cost comes to ${total.toString()} ${costCurrency}, more decimals than it allows (${scale}); amounts are never rounded`,
    );
  return { currency: costCurrency, total };
}

function exchangeOf(from: [Amount, string], to: [Amount, string]): ExchangeInput {
  return {
    from: { amount: from[0].toString(), currency: from[1] },
    to: { amount: to[0].toString(), currency: to[1] },
  };
}

/** What is left to balance per currency, once each posting and each exchange is counted. */
function residuals(postings: Resolved[], exchanges: ExchangeInput[]): Array<[string, Amount]> {
  const sums = new Map<string, Amount>();
  const add = (currency: string, amount: Amount) => sums.set(currency, (sums.get(currency) ?? ZERO).plus(amount));
  for (const p of postings) if (p.quantity) add(p.currency, p.quantity);
  for (const e of exchanges) {
    add(e.from.currency, new Amount(e.from.amount));
    add(e.to.currency, new Amount(e.to.amount).negated());
  }
  return [...sums].filter(([, sum]) => !sum.isZero());
}

/** Fills in the inferred amount and returns the exchanges that make every currency balance; refuses otherwise. */
export function balance(tx: JournalTransaction, postings: Resolved[]): ExchangeInput[] {
  const missing = postings.filter((p) => p.quantity === null);
  if (missing.length > 1)
    throw new ImportRefused(missing[1]!.line, 'only one posting of a transaction may leave its amount out');
  const exchanges = postings.flatMap((p) => {
    if (!p.cost || !p.quantity) return [];
    const own: [Amount, string] = [p.quantity.abs(), p.currency];
    const cost: [Amount, string] = [p.cost.total, p.cost.currency];
    return [p.quantity.isPositive() ? exchangeOf(cost, own) : exchangeOf(own, cost)];
  });
  const left = residuals(postings, exchanges);
  const inferred = missing[0];
  if (inferred) {
    if (left.length > 1)
      throw new ImportRefused(inferred.line, 'an amount can be left out only when one commodity remains to balance');
    const [currency, sum] = left[0] ?? [inferred.accountCurrency ?? postings.find((p) => p.quantity)!.currency, ZERO];
    inferred.currency = currency;
    inferred.quantity = sum.negated();
    return exchanges;
  }
  if (left.length === 0) return exchanges;
  const [a, b] = left;
  if (exchanges.length === 0 && left.length === 2 && a![1].isPositive() !== b![1].isPositive()) {
    const [gave, got] = a![1].isNegative() ? [a!, b!] : [b!, a!];
    return [exchangeOf([gave[1].abs(), gave[0]], [got[1], got[0]])];
  }
  const what = left.map(([currency, sum]) => `${sum.toString()} ${currency}`).join(', ');
  throw new ImportRefused(tx.line, `the transaction is unbalanced: its postings sum to ${what}`);
}

/** `; exchange: 10.00 USD -> 1500 JPY, rate 150`, as Inkwell's journal export comments each exchange. */
const EXCHANGE_COMMENT = /^exchange: (\S+ (?:"[^"]+"|\S+)) -> (\S+ (?:"[^"]+"|\S+)), rate \S+$/;

/**
 * The exchanges Inkwell's own export wrote: each commented, its two conversion legs among the
 * postings (on `<root>:<a>-<b>:<currency>`). Found both, the legs are taken out (the ledger adds
 * them again, under its own root) and the exchange kept; otherwise the postings stay as written.
 */
export function exportedExchanges(tx: JournalTransaction, postings: Resolved[], facts: JournalFacts): ExchangeInput[] {
  const found: ExchangeInput[] = [];
  for (const line of tx.comment.split('\n')) {
    const match = EXCHANGE_COMMENT.exec(line.trim());
    if (!match) continue;
    const [from, to] = [match[1]!, match[2]!].map((text) => parseJournalAmount(text));
    if (typeof from === 'string' || typeof to === 'string') continue;
    const [fromCurrency, toCurrency] = [from!, to!].map((a) => facts.commodities.currencyOf(a.symbol));
    if (typeof fromCurrency === 'string' || typeof toCurrency === 'string') continue;
    const exchange = exchangeOf([from!.quantity, fromCurrency!.code], [to!.quantity, toCurrency!.code]);
    const legAt = (currency: string, quantity: Amount) =>
      postings.findIndex(
        (p) =>
          p.account.endsWith(conversionAccount('', fromCurrency!.code, toCurrency!.code, currency)) &&
          p.currency === currency &&
          p.quantity?.eq(quantity),
      );
    const debit = legAt(fromCurrency!.code, from!.quantity);
    const credit = legAt(toCurrency!.code, to!.quantity.negated());
    if (debit < 0 || credit < 0) continue;
    for (const index of [debit, credit].sort((x, y) => y - x)) postings.splice(index, 1);
    found.push(exchange);
  }
  return found;
}
