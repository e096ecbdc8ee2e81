/** The pure rules of exchanges (domain/exchanges.ts): names of conversion accounts, derived rates, input checks. */
import { describe, expect, it } from 'vitest';
import { checkExchanges, conversionAccount, conversionLegs, rateOf } from '../../src/domain/exchanges.js';

const ex = (from: [string, string], to: [string, string]) => ({
  from: { amount: from[0], currency: from[1] },
  to: { amount: to[0], currency: to[1] },
});

describe('conversion accounts', () => {
  it('name the pair in code order, whichever way it is exchanged, and custom assets readably', () => {
    expect(conversionAccount('equity:conversion', 'USD', 'EUR', 'USD')).toBe('equity:conversion:eur-usd:usd');
    expect(conversionAccount('equity:conversion', 'EUR', 'USD', 'EUR')).toBe('equity:conversion:eur-usd:eur');
    expect(conversionAccount('equity:fx', 'BTC/8', 'USD', 'BTC/8')).toBe('equity:fx:btc-8-usd:btc-8');
  });

  it('take a DEBIT of from and a CREDIT of to per exchange', () => {
    expect(conversionLegs('equity:conversion', checkExchanges([ex(['100.00', 'EUR'], ['110.00', 'USD'])]))).toEqual([
      { account: 'equity:conversion:eur-usd:eur', direction: 'DEBIT', amount: '100.00', currency: 'EUR' },
      { account: 'equity:conversion:eur-usd:usd', direction: 'CREDIT', amount: '110.00', currency: 'USD' },
    ]);
  });
});

describe('rates', () => {
  it('are to / from, exact when the quotient ends', () => {
    expect(rateOf(ex(['100.00', 'EUR'], ['110.00', 'USD']))).toBe('1.1');
    expect(rateOf(ex(['0.00000001', 'BTC/8'], ['1000', 'JPY']))).toBe('100000000000');
  });

  it('round half-even to 20 significant digits otherwise', () => {
    expect(rateOf(ex(['3.00', 'EUR'], ['1.00', 'USD']))).toBe('0.33333333333333333333');
    expect(rateOf(ex(['3.00', 'EUR'], ['2.00', 'USD']))).toBe('0.66666666666666666667');
  });
});

describe('checkExchanges', () => {
  it('writes amounts at the currency scale and refuses what does not fit', () => {
    expect(checkExchanges([ex(['100', 'EUR'], ['11000', 'JPY'])])).toEqual([
      { from: { amount: '100.00', currency: 'EUR' }, to: { amount: '11000', currency: 'JPY' } },
    ]);
    expect(() => checkExchanges([ex(['1.001', 'EUR'], ['1', 'JPY'])])).toThrow(/^exchanges\[0\]\.from\.amount/);
    expect(() => checkExchanges([ex(['1', 'EUR'], ['1', 'EUR'])])).toThrow(/^exchanges\[0\]: /);
    expect(() => checkExchanges(Array.from({ length: 26 }, () => ex(['1', 'EUR'], ['1', 'USD'])))).toThrow(
      /at most 25 exchanges/,
    );
  });
});
