/**
 * One journal transaction as an ImportItem, by hledger's rules: costs and implied rates become
 * exchanges and the one posting without an amount takes what balances the rest
 * (journal-exchanges.ts); an assertion is the account's balance after its posting. Refused with
 * its line: a commodity or account Inkwell cannot name, more decimals than the currency has (never
 * rounded), a posting in another currency than its account's, an unbalanced transaction.
 */
import type { Leg } from '../../domain/account.js';
import type { JournalTransaction, SourceLine } from '../../domain/hledger-journal.js';
import { ValidationError } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/json.js';
import { checkCode } from '../../domain/limits.js';
import { type Amount, ZERO } from '../../domain/money.js';
import { accountTypeOf, currencyFor, type JournalFacts } from './journal-accounts.js';
import { balance, costOf, exportedExchanges, type Resolved } from './journal-exchanges.js';
import { parseInstant } from '../../domain/time.js';
import type { Assertion, ImportItem } from './model.js';
import { ImportRefused } from './refusal.js';

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
  return tx.postings.map((p) => {
    const currency = p.amount ? currencyFor(p.amount, p.line, facts) : '';
    return {
      line: p.line,
      account: p.account,
      accountCurrency: checkAccount(p.account, p.line, facts, directives),
      currency,
      quantity: p.amount?.quantity ?? null,
      assertion: p.assertion,
      cost: p.cost && p.amount ? costOf(p.cost, p.amount.quantity, currency, p.line, facts) : null,
    };
  });
}

/** The currency each posting ended in checked against its account's, and its assertion's. */
function checkCurrencies(postings: Resolved[], facts: JournalFacts): void {
  for (const p of postings) {
    if (p.assertion && !p.assertion.quantity.isZero() && currencyFor(p.assertion, p.line, facts) !== p.currency)
      throw new ImportRefused(p.line, `the assertion is in another commodity than the posting (${p.currency})`);
    if (p.accountCurrency && p.accountCurrency !== p.currency)
      throw new ImportRefused(
        p.line,
        `${p.account} holds ${p.accountCurrency} (its first posting); an Inkwell account has one currency, this posting is in ${p.currency}`,
      );
  }
}

/** Our export's `effective:` tag gives the exact instant (of a transaction, of a price); otherwise the date, at midnight UTC. */
export function effectiveAtOf(tx: { date: string; tags: Record<string, string> }): string {
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
  const exchanges = [...balance(tx, postings), ...exportedExchanges(tx, postings, facts)];
  checkCurrencies(postings, facts);
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
        expected: p.assertion.quantity,
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
    exchanges,
    assertions,
  };
}
