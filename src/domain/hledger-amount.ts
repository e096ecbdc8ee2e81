/**
 * hledger amounts as the journal writes them: `-12.50 USD`, `$-12.50`, `-$12.50`, `"BTC/8" 1.5`,
 * `1,000.00 EUR`. Pure: the text in, an exact signed decimal and a commodity symbol out, or why not.
 * Only `.` is a decimal mark and `,` only a thousands separator (groups of three), so no amount
 * is ever read two ways; a journal written with decimal commas is refused, never guessed at.
 */
import { Amount } from './money.js';

export interface JournalAmount {
  /** Signed, as written (hledger's sign: debits positive). */
  quantity: Amount;
  /** Digits after the decimal point, as written. */
  decimals: number;
  /** The commodity symbol as written, quotes removed. */
  symbol: string;
}

const NUMBER = /^(-|\+)?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]*))?$/;
const QUOTED = /^"([^"]+)"/;
const BARE_SYMBOL = /^[^\s0-9.,;@=+"-][^\s0-9.,;@=+"-]*/u;

/** The symbol at the start of `text` (quoted or bare), and what follows it. */
function symbolAt(text: string): { symbol: string; rest: string } | null {
  const quoted = QUOTED.exec(text);
  if (quoted) return { symbol: quoted[1]!, rest: text.slice(quoted[0].length) };
  const bare = BARE_SYMBOL.exec(text);
  return bare ? { symbol: bare[0], rest: text.slice(bare[0].length) } : null;
}

/** Parses one amount; a string is the reason it is not one. */
export function parseJournalAmount(text: string): JournalAmount | string {
  let rest = text.trim();
  let sign = '';
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? '-' : '';
    rest = rest.slice(1).trimStart();
  }
  let symbol: string | null = null;
  const left = symbolAt(rest);
  if (left) {
    symbol = left.symbol;
    rest = left.rest.trimStart();
  }
  const numberText = /^[-+]?[0-9][0-9,]*(?:\.[0-9]*)?/.exec(rest)?.[0];
  if (!numberText) return `"${text.trim()}" is not an amount (expected a number and a commodity, such as 12.50 USD)`;
  rest = rest.slice(numberText.length).trim();
  if (symbol === null) {
    const right = symbolAt(rest);
    if (right) {
      symbol = right.symbol;
      rest = right.rest.trim();
    }
  }
  if (rest !== '') return `"${text.trim()}" is not an amount: "${rest}" is left over`;
  if (symbol === null) return `"${text.trim()}" has no commodity (Inkwell needs one on every amount)`;
  const number = NUMBER.exec(numberText);
  if (!number) return `"${numberText}" is not a number Inkwell reads ("." is the decimal mark, "," groups thousands)`;
  if (number[1] === '-' && sign === '-') return `"${text.trim()}" has two minus signs`;
  if (number[1] === '-') sign = '-';
  const digits = `${number[2]!.replace(/,/g, '')}${number[3] ? `.${number[3]}` : ''}`;
  if (digits.replace('.', '').length > 40) return `"${numberText}" has more than 40 digits`;
  return { quantity: new Amount(`${sign}${digits}`), decimals: number[3]?.length ?? 0, symbol };
}
