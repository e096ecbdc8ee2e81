import { describe, expect, it } from 'vitest';
import { InvalidAmount, ValidationError } from '../../src/domain/errors.js';
import {
  Amount,
  decimalSyntaxError,
  formatAmount,
  parseCurrency,
  parsePositiveAmount,
} from '../../src/domain/money.js';

describe('currencies', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CHF', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['BHD', 3],
    ['KWD', 3],
  ])('%s has ISO 4217 scale %i', (code, scale) => {
    expect(parseCurrency(code)).toEqual({ code, scale });
  });

  it('declares custom assets inline with a scale up to 18', () => {
    expect(parseCurrency('BTC/8')).toEqual({ code: 'BTC/8', scale: 8 });
    expect(parseCurrency('POINTS/0')).toEqual({ code: 'POINTS/0', scale: 0 });
    expect(parseCurrency('WEI/18')).toEqual({ code: 'WEI/18', scale: 18 });
    expect(() => parseCurrency('WEI/19')).toThrow(ValidationError);
  });

  it.each(['usd', 'XYZ', 'BTC', 'BTC/', 'BTC/08', '/8', 'BTC/-1', '', 'US D'])('refuses %j', (text) => {
    expect(() => parseCurrency(text)).toThrow(ValidationError);
  });
});

describe('amounts', () => {
  const USD = parseCurrency('USD');
  const JPY = parseCurrency('JPY');

  it('accepts positive amounts within the scale, exactly', () => {
    expect(formatAmount(parsePositiveAmount('1234.5', USD), 2)).toBe('1234.50');
    expect(formatAmount(parsePositiveAmount('0.01', USD), 2)).toBe('0.01');
    expect(formatAmount(parsePositiveAmount('1000', JPY), 0)).toBe('1000');
    const big = `${'9'.repeat(38)}.99`;
    expect(formatAmount(parsePositiveAmount(big, USD), 2)).toBe(big);
  });

  it.each([
    ['1e5', USD],
    ['1.234', USD],
    ['1.5', JPY],
    ['1.0', JPY],
    ['-5', USD],
    ['0', USD],
    ['0.00', USD],
    ['', USD],
    ['NaN', USD],
    ['1,000', USD],
    ['+1', USD],
    ['01', USD],
    ['.5', USD],
    ['5.', USD],
    [' 1', USD],
    ['-0', USD],
    ['1'.repeat(41), USD],
  ])('refuses %j (never rounds)', (text, currency) => {
    expect(() => parsePositiveAmount(text, currency)).toThrow(InvalidAmount);
  });

  it('reports syntax errors for non-plain notation only', () => {
    expect(decimalSyntaxError('-12.50')).toBeNull();
    expect(decimalSyntaxError('1E5')).toMatch(/plain decimal/);
    expect(decimalSyntaxError('-0.00')).toMatch(/-0/);
  });

  it('never formats by rounding', () => {
    expect(() => formatAmount(new Amount('1.005'), 2)).toThrow(/invariant/);
  });

  it('adds without float error', () => {
    expect(new Amount('0.1').plus('0.2').toString()).toBe('0.3');
  });
});
