/**
 * Hostile and malformed input over the real socket: Decimal amounts: as variables, inline
 * literals, in a transfer, and as a minimumBalance bound. Every refusal is typed data, a clear
 * GraphQL error or a 4xx, and writes nothing (the rules and the shared fixtures:
 * test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writesNothing,
  expectTyped,
  expectGraphQLError,
  literal,
  freshKey,
  RESULT,
  open,
  post,
  transfer,
  pair,
  SCALED,
} from '../../support/bad-input.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Decimal amounts
// ---------------------------------------------------------------------------------------------

const DIGITS_41 = `1${'0'.repeat(40)}`;

/**
 * Each amount, posted on both legs of an otherwise valid transaction. A well-formed decimal
 * that breaks a money rule (≤ 0, too many decimals for the currency, even trailing zeros) is an
 * InvalidAmount; anything that is not a plain decimal *string* is refused by the scalar.
 */
const AMOUNTS: Array<[label: string, amount: unknown, currency: string, expected: 'InvalidAmount' | RegExp]> = [
  ['exponent "1e5"', '1e5', 'USD', /Decimal/],
  ['3 decimals on USD', '1.234', 'USD', 'InvalidAmount'],
  ['1 decimal on JPY', '1.5', 'JPY', 'InvalidAmount'],
  ['"1.0" on JPY (written decimals count)', '1.0', 'JPY', 'InvalidAmount'],
  ['"1.00" on JPY', '1.00', 'JPY', 'InvalidAmount'],
  ['4 decimals on BHD', '0.0001', 'BHD', 'InvalidAmount'],
  ['"1.2340" on BHD (trailing zero counts)', '1.2340', 'BHD', 'InvalidAmount'],
  ['negative "-5"', '-5', 'USD', 'InvalidAmount'],
  ['negative "-0.01"', '-0.01', 'USD', 'InvalidAmount'],
  ['zero "0"', '0', 'USD', 'InvalidAmount'],
  ['zero "0.00"', '0.00', 'USD', 'InvalidAmount'],
  ['zero "0" on JPY', '0', 'JPY', 'InvalidAmount'],
  ['negative zero "-0"', '-0', 'USD', /Decimal/],
  ['negative zero "-0.00"', '-0.00', 'USD', /Decimal/],
  ['empty string', '', 'USD', /Decimal/],
  ['leading space', ' 1', 'USD', /Decimal/],
  ['trailing space', '1 ', 'USD', /Decimal/],
  ['trailing newline', '1\n', 'USD', /Decimal/],
  ['plus sign', '+1', 'USD', /Decimal/],
  ['leading zero "01"', '01', 'USD', /Decimal/],
  ['leading zeros "00.5"', '00.5', 'USD', /Decimal/],
  ['thousands separator "1,000"', '1,000', 'USD', /Decimal/],
  ['underscore separator "1_000"', '1_000', 'USD', /Decimal/],
  ['decimal comma "1,5"', '1,5', 'USD', /Decimal/],
  ['two points "1.2.3"', '1.2.3', 'USD', /Decimal/],
  ['"NaN"', 'NaN', 'USD', /Decimal/],
  ['"Infinity"', 'Infinity', 'USD', /Decimal/],
  ['"-Infinity"', '-Infinity', 'USD', /Decimal/],
  ['hexadecimal "0x10"', '0x10', 'USD', /Decimal/],
  ['no integer part ".5"', '.5', 'USD', /Decimal/],
  ['no fraction "5."', '5.', 'USD', /Decimal/],
  ['fullwidth digit "１"', '１', 'USD', /Decimal/],
  ['Arabic-Indic digit "٥"', '٥', 'USD', /Decimal/],
  ['a 41-digit number', DIGITS_41, 'USD', /Decimal/],
  ['a 41-digit fraction', `0.${'1'.repeat(40)}`, 'BHD', /Decimal/],
  ['a JSON number 5', 5, 'USD', /Decimal/],
  ['a JSON number 5.5', 5.5, 'USD', /Decimal/],
  ['null for a required amount', null, 'USD', /Decimal!|non-null|null/i],
  ['a boolean true', true, 'USD', /Decimal/],
  ['an object', { value: '5' }, 'USD', /Decimal/],
  ['a list ["5"]', ['5'], 'USD', /Decimal/],
];

describe('Decimal amounts as variables', () => {
  it.each(AMOUNTS)('refuses %s', async (_label, amount, currency, expected) => {
    const [debit, credit] = SCALED[currency]!;
    const res = await writesNothing(() => post(pair(debit, credit, amount)));
    if (expected === 'InvalidAmount') {
      const error = expectTyped(res, 'postTransaction', 'InvalidAmount');
      expect(error.amount).toBe(amount);
    } else {
      expectGraphQLError(res, expected);
    }
  });
});

describe('Decimal amounts as inline literals', () => {
  it.each(AMOUNTS)('refuses %s', async (_label, amount, currency, expected) => {
    const [debit, credit] = SCALED[currency]!;
    const leg = (account: string, direction: string) =>
      `{ account: ${literal(account)}, direction: ${direction}, amount: ${literal(amount)} }`;
    const query = `mutation { postTransaction(input: { idempotencyKey: ${literal(freshKey())}, entries: [${leg(debit, 'DEBIT')}, ${leg(credit, 'CREDIT')}] }) { ${RESULT} } }`;
    const res = await writesNothing(() => server.gql(query));
    if (expected === 'InvalidAmount') {
      const error = expectTyped(res, 'postTransaction', 'InvalidAmount');
      expect(error.amount).toBe(amount);
    } else {
      // A literal that is not a string is refused by the scalar, including numbers (no silent float).
      expectGraphQLError(res, expected);
    }
  });
});

/** The transfer shortcut applies the same amount rules. */
describe('Decimal amounts of a transfer', () => {
  it.each<[string, unknown, 'InvalidAmount' | RegExp]>([
    ['"1.234"', '1.234', 'InvalidAmount'],
    ['"0"', '0', 'InvalidAmount'],
    ['"-1.00"', '-1.00', 'InvalidAmount'],
    ['"1e2"', '1e2', /Decimal/],
    ['a JSON number 1', 1, /Decimal/],
  ])('refuses %s', async (_label, amount, expected) => {
    const res = await writesNothing(() =>
      transfer({ idempotencyKey: freshKey(), debitAccount: 'assets:bank', creditAccount: 'equity:capital', amount }),
    );
    if (expected === 'InvalidAmount') expect(expectTyped(res, 'transfer', 'InvalidAmount').amount).toBe(amount);
    else expectGraphQLError(res, expected);
  });
});

/** minimumBalance is a signed Decimal bound: same syntax, the currency's scale. */
describe('minimumBalance', () => {
  it.each<[string, unknown, 'ValidationError' | RegExp]>([
    ['3 decimals on USD', '-1.234', 'ValidationError'],
    ['"-0"', '-0', /Decimal/],
    ['exponent', '1e3', /Decimal/],
    ['a JSON number', 0, /Decimal/],
  ])('refuses %s', async (_label, minimumBalance, expected) => {
    const res = await writesNothing(() =>
      open({ code: 'assets:minbal', name: 'Min', type: 'ASSET', currency: 'USD', minimumBalance }),
    );
    if (expected === 'ValidationError')
      expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('minimumBalance');
    else expectGraphQLError(res, expected);
  });
});
