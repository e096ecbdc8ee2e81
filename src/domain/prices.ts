/**
 * Prices as pure rules (issue 22, point 1): the rate of one unit of `base` in `quote`, effective
 * from an instant, recorded as an event like everything else. A price is bitemporal: the price at
 * (asOf T, as known at K) is the one with the latest effectiveAt <= T among those recorded by K,
 * the latest recorded winning between two with the same effectiveAt (a correction).
 *
 * Only what was recorded is answered: EUR→USD never answers USD→EUR as 1/rate. Inverting rounds
 * (1/3 has no exact decimal), and rounding is the valuation's to declare, not the price's.
 */
import { ValidationError } from './errors.js';
import { Amount, decimalSyntaxError, parseCurrency } from './money.js';

/** Significant digits a rate may have, and decimals: generous for FX and crypto, never a float's tail. */
export const MAX_RATE_DIGITS = 24;
export const MAX_RATE_SCALE = 18;

export interface PriceData {
  base: string;
  quote: string;
  /** Exact decimal, > 0, canonical (no trailing zeros): one base unit is worth `rate` quote units. */
  rate: string;
}

export type PriceEvent = { type: 'PriceSet'; effectiveAt: string; data: PriceData };

/** One recorded price: its effective time and log position (recordedAt follows the position). */
export interface RecordedPrice extends PriceData {
  effectiveAt: string;
  recordedAt: string;
  position: number;
}

/** A rate as sent → its canonical text, or a ValidationError on `field` saying why not. */
export function parseRate(text: string, field = 'rate'): string {
  const syntax = decimalSyntaxError(text);
  if (syntax) throw new ValidationError(field, syntax);
  const value = new Amount(text);
  if (value.lte(0)) throw new ValidationError(field, 'a rate must be greater than zero');
  if (value.decimalPlaces() > MAX_RATE_SCALE)
    throw new ValidationError(field, `a rate has at most ${MAX_RATE_SCALE} decimals`);
  if (value.precision(true) > MAX_RATE_DIGITS)
    throw new ValidationError(field, `a rate has at most ${MAX_RATE_DIGITS} significant digits`);
  return value.toFixed();
}

/** Base and quote: two different currencies the ledger knows (ISO 4217, or a custom CODE/SCALE). */
export function parsePair(base: string, quote: string): { base: string; quote: string } {
  const checked = (text: string, field: string) => {
    try {
      return parseCurrency(text).code;
    } catch (error) {
      throw new ValidationError(field, (error as Error).message.replace(/^currency: /, ''));
    }
  };
  const pair = { base: checked(base, 'base'), quote: checked(quote, 'quote') };
  if (pair.base === pair.quote)
    throw new ValidationError('quote', `a price relates two currencies, not ${base} to itself`);
  return pair;
}

/**
 * Setting a price: the same rate as the one already recorded for that pair at that very
 * effectiveAt changes nothing (a retry is harmless); any other is recorded, and from then on
 * answers for that instant (a correction: what was known before stays as it was).
 */
export function decideSetPrice(
  command: PriceData & { effectiveAt: string },
  atSameInstant: RecordedPrice | null,
): PriceEvent[] {
  if (atSameInstant !== null && atSameInstant.rate === command.rate) return [];
  const { base, quote, rate, effectiveAt } = command;
  return [{ type: 'PriceSet', effectiveAt, data: { base, quote, rate } }];
}

/** (effectiveAt, position) order: a later-recorded price at the same instant supersedes. */
export function byEffect(a: RecordedPrice, b: RecordedPrice): number {
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt < b.effectiveAt ? -1 : 1;
  return a.position - b.position;
}
