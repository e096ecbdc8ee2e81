import { Decimal } from 'decimal.js';
import { InvalidAmount, ValidationError } from './errors.js';
import { printable } from './text.js';
import { MAX_DECIMAL_DIGITS, MAX_CUSTOM_SCALE } from './limits.js';

/**
 * The ledger's own Decimal: enough precision that no sum of legal amounts is ever
 * rounded (40 digits in, totals of millions of them out), and never exponent notation.
 */
export const Amount = Decimal.clone({
  precision: 100,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -1000,
  toExpPos: 1000,
});
export type Amount = InstanceType<typeof Amount>;

export const ZERO = new Amount(0);

/** Plain notation only: no exponent, no '+', no leading zeros, no separators. */
const DECIMAL_PATTERN = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** Why `text` is not a decimal literal Inkwell accepts, or null when it is one. */
export function decimalSyntaxError(text: string): string | null {
  if (typeof text !== 'string') return 'expected a decimal written as a string, such as "1234.50"';
  if (!DECIMAL_PATTERN.test(text)) {
    return 'expected a plain decimal string such as "1234.50" (no exponent, sign "+", spaces, separators or leading zeros)';
  }
  if (text.replace(/[-.]/g, '').length > MAX_DECIMAL_DIGITS) return `at most ${MAX_DECIMAL_DIGITS} digits`;
  if (/^-0(\.0+)?$/.test(text)) return '"-0" is not a number Inkwell accepts';
  return null;
}

/** Digits after the decimal point, as written (trailing zeros count: "1.500" has 3). */
export function writtenScale(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

export interface Currency {
  /** The identifier stored on accounts: "USD", or a custom asset "BTC/8". */
  code: string;
  /** Digits after the decimal point. */
  scale: number;
}

/** ISO 4217 minor units for the currencies a ledger meets most. */
const ISO_4217: Record<string, number> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  JPY: 0,
  KRW: 0,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  LYD: 3,
  IQD: 3,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  CNY: 2,
  HKD: 2,
  SGD: 2,
  INR: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  RON: 2,
  BGN: 2,
  TRY: 2,
  ILS: 2,
  ZAR: 2,
  BRL: 2,
  MXN: 2,
  ARS: 2,
  CLP: 0,
  COP: 2,
  PEN: 2,
  AED: 2,
  SAR: 2,
  QAR: 2,
  EGP: 2,
  NGN: 2,
  KES: 2,
  MAD: 2,
  THB: 2,
  MYR: 2,
  IDR: 2,
  PHP: 2,
  VND: 0,
  TWD: 2,
  PKR: 2,
  UAH: 2,
  ISK: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  PYG: 0,
  RWF: 0,
  CLF: 4,
  UYW: 4,
};

const CUSTOM_ASSET = /^([A-Z][A-Z0-9_]{0,15})\/(0|[1-9][0-9]?)$/;

/**
 * "USD" → ISO scale. A custom asset declares its scale inline, "BTC/8" (as Formance does),
 * so that registering an asset needs no extra step and its scale can never be ambiguous.
 */
export function parseCurrency(text: string): Currency {
  if (Object.hasOwn(ISO_4217, text)) return { code: text, scale: ISO_4217[text]! };
  const custom = CUSTOM_ASSET.exec(text);
  if (custom) {
    const scale = Number(custom[2]);
    if (scale > MAX_CUSTOM_SCALE) {
      throw new ValidationError('currency', `a custom asset's scale is at most ${MAX_CUSTOM_SCALE}`);
    }
    return { code: text, scale };
  }
  throw new ValidationError(
    'currency',
    `"${printable(text)}" is neither a supported ISO 4217 code nor a custom asset written CODE/SCALE (e.g. "BTC/8")`,
  );
}

/** A posting amount: a decimal literal, > 0, with no more decimals than the currency allows. */
export function parsePositiveAmount(text: string, currency: Currency): Amount {
  const syntax = decimalSyntaxError(text);
  if (syntax) throw new InvalidAmount(text, syntax);
  if (writtenScale(text) > currency.scale) {
    throw new InvalidAmount(
      text,
      `${currency.code} allows at most ${currency.scale} decimals (amounts are never rounded)`,
    );
  }
  const value = new Amount(text);
  if (value.lte(0)) throw new InvalidAmount(text, 'must be greater than zero');
  return value;
}

/** A signed bound such as a minimum balance: any sign, within the currency's scale. */
export function parseSignedAmount(text: string, currency: Currency, field: string): Amount {
  const syntax = decimalSyntaxError(text);
  if (syntax) throw new ValidationError(field, syntax);
  if (writtenScale(text) > currency.scale) {
    throw new ValidationError(field, `${currency.code} allows at most ${currency.scale} decimals`);
  }
  return new Amount(text);
}

/** The canonical text of an amount: exactly `scale` decimals. Refuses to round. */
export function formatAmount(value: Amount, scale: number): string {
  if (value.decimalPlaces() > scale) {
    throw new Error(`invariant: ${value.toString()} does not fit scale ${scale}`);
  }
  return value.toFixed(scale);
}
