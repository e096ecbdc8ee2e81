/**
 * What an hledger journal says about its accounts and commodities, gathered in a first pass:
 * each account's type (a `type:` tag on its `account` directive, else hledger's inference from
 * the top-level name), its one currency and its earliest posting; each commodity's scale.
 */
import type { AccountType } from '../../domain/account.js';
import type { JournalAmount } from '../../domain/hledger-amount.js';
import { Amount, parseCurrency } from '../../domain/money.js';
import { ImportRefused } from './refusal.js';

const TYPE_TAGS: Record<string, AccountType> = {
  a: 'ASSET',
  asset: 'ASSET',
  c: 'ASSET',
  cash: 'ASSET',
  l: 'LIABILITY',
  liability: 'LIABILITY',
  e: 'EQUITY',
  equity: 'EQUITY',
  v: 'EQUITY',
  conversion: 'EQUITY',
  r: 'REVENUE',
  revenue: 'REVENUE',
  x: 'EXPENSE',
  expense: 'EXPENSE',
};

/** hledger's own inference from the top-level account name (hledger manual, "Account types"). */
const BY_NAME: Array<[RegExp, AccountType]> = [
  [/^assets?(:|$)/i, 'ASSET'],
  [/^(debts?|liabilit(y|ies))(:|$)/i, 'LIABILITY'],
  [/^equity(:|$)/i, 'EQUITY'],
  [/^(income|revenue)s?(:|$)/i, 'REVENUE'],
  [/^expenses?(:|$)/i, 'EXPENSE'],
];

/** The type a `type:` tag names, else the one the name implies, else null. */
export function accountTypeOf(
  account: string,
  typeTag: string | undefined,
): { type: AccountType; problem?: undefined } | { problem: string } {
  if (typeTag !== undefined) {
    const tagged = TYPE_TAGS[typeTag.trim().toLowerCase()];
    return tagged ? { type: tagged } : { problem: `"type:${typeTag}" is not an account type (A, L, E, R, X, C or V)` };
  }
  const inferred = BY_NAME.find(([pattern]) => pattern.test(account));
  return inferred
    ? { type: inferred[1] }
    : { problem: `cannot tell the type of account ${account}: declare it, e.g. "account ${account}  ; type: A"` };
}

/**
 * Commodity symbol → Inkwell currency (a sign such as $ or € is refused, never guessed): an ISO code keeps its ISO scale (a directive that declares
 * another is refused), `"BTC/8"` is already one, any other code becomes a custom asset whose scale
 * is the directive's, or else the most decimals the journal writes for it.
 */
export class Commodities {
  private readonly declared = new Map<string, { decimals: number; line: number }>();
  private readonly seen = new Map<string, number>();

  declare(amount: JournalAmount, line: number): void {
    this.declared.set(amount.symbol, { decimals: amount.decimals, line });
  }

  see(amount: JournalAmount): void {
    this.seen.set(amount.symbol, Math.max(this.seen.get(amount.symbol) ?? 0, amount.decimals));
  }

  /** The currency code and scale for a symbol, or why there is none. */
  currencyOf(symbol: string): { code: string; scale: number } | string {
    // "$" is not read as USD: hledger keeps $ and USD apart, and so must the balances.
    const code = symbol;
    const declared = this.declared.get(symbol);
    let iso: { code: string; scale: number } | null = null;
    try {
      iso = parseCurrency(code);
    } catch {
      iso = null;
    }
    if (iso) {
      if (declared && declared.decimals !== iso.scale && !code.includes('/'))
        return `the commodity directive on line ${declared.line} gives ${code} ${declared.decimals} decimals; ISO 4217 gives it ${iso.scale}`;
      return iso;
    }
    if (!/^[A-Z][A-Z0-9_]{0,15}$/.test(code))
      return `"${symbol}" is not a commodity Inkwell can name: use a code of capital letters and digits (e.g. BTC)`;
    const scale = declared?.decimals ?? this.seen.get(symbol) ?? 0;
    if (scale > 18) return `${symbol} has ${scale} decimals; Inkwell keeps at most 18`;
    return { code: `${code}/${scale}`, scale };
  }
}

export interface JournalFacts {
  commodities: Commodities;
  /** Account → its currency symbol and earliest posting, as the first pass found them. */
  accounts: Map<string, { symbol: string; effectiveAt: string; typeTag?: string }>;
}

/** A currency for the amount, checked against its scale; refused at `line` otherwise. */
export function currencyFor(amount: JournalAmount, line: number, facts: JournalFacts): string {
  const currency = facts.commodities.currencyOf(amount.symbol);
  if (typeof currency === 'string') throw new ImportRefused(line, currency);
  if (amount.decimals > currency.scale && !amount.quantity.mod(new Amount(10).pow(-currency.scale)).isZero())
    throw new ImportRefused(
      line,
      `${amount.quantity.toString()} ${amount.symbol} has more decimals than ${currency.code} allows (${currency.scale}); amounts are never rounded`,
    );
  return currency.code;
}
