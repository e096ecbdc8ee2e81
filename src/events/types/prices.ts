/** Price streams (`price:<base>:<quote>`): every rate recorded for one currency pair. */
import { fail, object, type Check } from '../schema-check.js';
import { currency, decimal, type EventVersion } from './shared.js';

/** A rate is a positive decimal (domain/prices.ts bounds its digits when it is set). */
const rate: Check = (value) => {
  decimal(value);
  if ((value as string).startsWith('-') || /^0(\.0+)?$/.test(value as string)) fail('a rate is greater than zero');
};

/** One unit of `base` is worth `rate` units of `quote` from the event's effectiveAt on. */
export const PRICE_SET: EventVersion[] = [
  { changes: 'First shape: the pair and its exact rate.', validate: object({ base: currency, quote: currency, rate }) },
];
