/**
 * The stored-event validator, and its memory: a value frozen all the way down (freezeDeep) that
 * passed a check passes it again without being walked; anything else is checked every time.
 */
import { describe, expect, it } from 'vitest';
import { freezeDeep } from '../../src/domain/json.js';
import { array, integer, object, string, validate } from '../../src/events/schema-check.js';

const leg = object({ account: string(/^[a-z:]+$/), amount: integer });
const record = object({ id: string(), legs: array(leg, 2) });
const valid = () => ({
  id: 't1',
  legs: [
    { account: 'assets:a', amount: 1 },
    { account: 'equity:b', amount: -1 },
  ],
});

describe('schema checks', () => {
  it('names the path of what is wrong', () => {
    const wrong = valid();
    wrong.legs[1]!.account = 'NOT VALID';
    expect(() => validate(record, wrong)).toThrow(/^legs\[1\]\.account: expected a string matching/);
    expect(() => validate(record, { ...valid(), extra: 1 })).toThrow('extra: no such field');
  });

  it('passes a frozen value it passed before, and never an invalid one', () => {
    const frozen = freezeDeep(valid());
    validate(record, frozen);
    validate(record, frozen);
    const bad = valid();
    bad.legs[0]!.amount = 1.5;
    const frozenBad = freezeDeep(bad);
    for (let i = 0; i < 2; i++)
      expect(() => validate(record, frozenBad)).toThrow('legs[0].amount: expected an integer');
  });

  it('checks a value that can still change every time', () => {
    const value = valid();
    validate(record, value);
    value.legs[0]!.account = 'Bad';
    expect(() => validate(record, value)).toThrow(/legs\[0\]\.account/);
  });

  it('remembers per check: passing one shape says nothing about another', () => {
    const frozen = freezeDeep(valid());
    validate(record, frozen);
    const stricter = object({ id: string(/^x/), legs: array(leg, 2) });
    expect(() => validate(stricter, frozen)).toThrow('id: expected a string matching /^x/');
  });
});
