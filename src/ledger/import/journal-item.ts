/**
 * One journal transaction as an ImportItem, by hledger's rules: the one posting without an amount
 * takes what balances the others; every commodity must balance; an assertion is the account's
 * balance after its posting. Refused with its line: a commodity or account Inkwell cannot name,
 * more decimals than the currency has (never rounded), an unbalanced transaction, or several
 * a transaction whose commodities do not each balance on their own (an exchange, which Inkwell
 * records only with prices).
 */
import type { Leg } from '../../domain/account.js';
import type { JournalAmount } from '../../domain/hledger-amount.js';
import type { JournalTransaction, SourceLine } from '../../domain/hledger-journal.js';
import { ValidationError } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/json.js';
import { checkCode } from '../../domain/limits.js';
import { Amount, ZERO } from '../../domain/money.js';
import { accountTypeOf, type JournalFacts } from './journal-accounts.js';
import { parseInstant } from '../../domain/time.js';
import type { Assertion, ImportItem } from './model.js';
import { ImportRefused } from './refusal.js';

interface Resolved {
  line: number;
  account: string;
  currency: string;
  quantity: Amount | null;
  assertion: Amount | null;
}

/** A currency for the amount, checked against its scale; refused at `line` otherwise. */
function currencyFor(amount: JournalAmount, line: number, facts: JournalFacts): string {
  const currency = facts.commodities.currencyOf(amount.symbol);
  if (typeof currency === 'string') throw new ImportRefused(line, currency);
  if (amount.decimals > currency.scale && !amount.quantity.mod(new Amount(10).pow(-currency.scale)).isZero())
    throw new ImportRefused(
      line,
      `${amount.quantity.toString()} ${amount.symbol} has more decimals than ${currency.code} allows (${currency.scale}); amounts are never rounded`,
    );
  return currency.code;
}

function checkAccount(account: string, line: number, facts: JournalFacts, directives: Map<string, string | undefined>) {
  try {
    checkCode(account, 'account');
  } catch (error) {
    if (error instanceof ValidationError) throw new ImportRefused(line, error.message);
    throw error;
  }
  const type = accountTypeOf(account, directives.get(account));
  if (type.problem !== undefined) throw new ImportRefused(line, type.problem);
  const symbol = facts.accounts.get(account)?.symbol;
  const currency = symbol === undefined ? null : facts.commodities.currencyOf(symbol);
  if (typeof currency === 'string') throw new ImportRefused(line, currency);
  return currency?.code ?? null;
}

function resolve(tx: JournalTransaction, facts: JournalFacts, directives: Map<string, string | undefined>): Resolved[] {
  const resolved = tx.postings.map((p): Resolved & { accountCurrency: string | null } => ({
    line: p.line,
    account: p.account,
    accountCurrency: checkAccount(p.account, p.line, facts, directives),
    currency: p.amount ? currencyFor(p.amount, p.line, facts) : '',
    quantity: p.amount?.quantity ?? null,
    assertion: p.assertion ? p.assertion.quantity : null,
  }));
  const costed = tx.postings.find((p) => p.cost);
  if (costed)
    throw new ImportRefused(
      costed.line,
      'a posting with a cost (@ or @@) is an exchange between commodities: Inkwell cannot import it yet',
    );
  const currencies = new Set(resolved.filter((p) => p.quantity).map((p) => p.currency));
  if (currencies.size === 0) throw new ImportRefused(tx.line, 'a transaction with no amounts');
  const inferred = resolved.find((p) => !p.quantity);
  if (inferred && currencies.size > 1)
    throw new ImportRefused(inferred.line, 'an amount can be left out only when the transaction has one commodity');
  tx.postings.forEach((p, i) => {
    const r = resolved[i]!;
    if (!r.quantity) r.currency = [...currencies][0]!;
    if (p.assertion && currencyFor(p.assertion, p.line, facts) !== r.currency && !p.assertion.quantity.isZero())
      throw new ImportRefused(p.line, `the assertion is in another commodity than the posting (${r.currency})`);
    if (r.accountCurrency && r.accountCurrency !== r.currency)
      throw new ImportRefused(
        p.line,
        `${p.account} holds ${r.accountCurrency} (its first posting); an Inkwell account has one currency, this posting is in ${r.currency}`,
      );
  });
  return resolved;
}

/** The inferred amount filled in, and every commodity checked to balance on its own. */
function balance(tx: JournalTransaction, postings: Resolved[]): void {
  const missing = postings.filter((p) => p.quantity === null);
  if (missing.length > 1)
    throw new ImportRefused(missing[1]!.line, 'only one posting of a transaction may leave its amount out');
  const sums = new Map<string, Amount>();
  for (const p of postings) if (p.quantity) sums.set(p.currency, (sums.get(p.currency) ?? ZERO).plus(p.quantity));
  if (missing[0]) missing[0].quantity = sums.get(missing[0].currency)!.negated();
  const off = [...sums].filter(([, sum]) => !sum.isZero());
  if (missing[0] || off.length === 0) return;
  const what = off.map(([currency, sum]) => `${sum.toString()} ${currency}`).join(', ');
  throw new ImportRefused(
    tx.line,
    sums.size > 1
      ? `the postings sum to ${what}: an exchange between commodities, which Inkwell cannot import yet`
      : `the transaction is unbalanced: its postings sum to ${what}`,
  );
}

/** Our export's `effective:` tag gives the exact instant; otherwise the date, at midnight UTC. */
export function effectiveAtOf(tx: JournalTransaction): string {
  const tagged = tx.tags.effective;
  if (tagged) {
    try {
      const at = parseInstant(tagged);
      if (at.startsWith(tx.date)) return at;
    } catch {
      // Not an instant: the tag is the user's own, and the date stands.
    }
  }
  return `${tx.date}T00:00:00.000Z`;
}

export function journalItem(
  tx: JournalTransaction,
  lines: SourceLine[],
  file: string,
  facts: JournalFacts,
  directives: Map<string, string | undefined>,
): ImportItem {
  const postings = resolve(tx, facts, directives);
  balance(tx, postings);
  const legs: Leg[] = [];
  const assertions: Assertion[] = [];
  const within = new Map<string, Amount>();
  for (const p of postings) {
    const quantity = p.quantity!;
    within.set(p.account, (within.get(p.account) ?? ZERO).plus(quantity));
    if (!quantity.isZero())
      legs.push({
        account: p.account,
        direction: quantity.isPositive() ? 'DEBIT' : 'CREDIT',
        amount: quantity.abs().toString(),
        currency: p.currency,
      });
    if (p.assertion)
      assertions.push({
        line: p.line,
        account: p.account,
        currency: p.currency,
        expected: p.assertion,
        within: within.get(p.account)!,
      });
  }
  const metadata: JsonObject = { importedFrom: { file, line: tx.line } };
  if (Object.keys(tx.tags).length) metadata.tags = tx.tags;
  if (tx.code) metadata.code = tx.code;
  return {
    line: tx.line,
    content: lines.map((l) => l.text.trimEnd()).join('\n'),
    effectiveAt: effectiveAtOf(tx),
    description: tx.description === '' ? null : tx.description,
    metadata,
    legs,
    assertions,
  };
}
