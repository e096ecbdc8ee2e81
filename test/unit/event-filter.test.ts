/** Event filters (issue 21, point 2): checking a filter, and what it means for each family of events. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Leg } from '../../src/domain/account.js';
import { ValidationError } from '../../src/domain/errors.js';
import {
  checkEventFilter,
  matchesEvent,
  type DomainEvent,
  type EventFilter,
  type EventOnStream,
} from '../../src/domain/event-filter.js';
import type { JsonObject } from '../../src/domain/json.js';
import { EVENT_TYPES, storedEventMatches } from '../../src/events/event-match.js';
import { encodeEvent } from '../../src/events/catalogue.js';

const T = '2026-01-01T00:00:00.000Z';
const leg = (account: string, direction: 'DEBIT' | 'CREDIT'): Leg => ({
  account,
  direction,
  amount: '10.00',
  currency: 'USD',
});
const record = (metadata: JsonObject | null) => ({
  transactionId: 'tx-1',
  idempotencyKey: 'k-1',
  legs: [leg('assets:bank:checking', 'DEBIT'), leg('revenue:sales', 'CREDIT')],
  description: null,
  metadata,
  reverses: null,
});

/** One event of every family, on the stream that would hold it. */
const SAMPLES: Record<string, EventOnStream> = {
  posted: {
    streamAccount: 'revenue:sales',
    event: { type: 'TransactionPosted', effectiveAt: T, data: record({ customer: { id: 'c-7' } }) },
  },
  holdPlaced: {
    streamAccount: 'revenue:sales',
    event: { type: 'HoldPlaced', effectiveAt: T, data: { ...record({ order: 1 }), expiresAt: null } },
  },
  holdCommitted: {
    streamAccount: 'revenue:sales',
    event: {
      type: 'HoldCommitted',
      effectiveAt: T,
      data: { transactionId: 'tx-1', legs: record(null).legs, final: true, captured: record(null).legs },
    },
  },
  holdVoided: {
    streamAccount: 'revenue:sales',
    event: { type: 'HoldVoided', effectiveAt: T, data: { transactionId: 'tx-1', captured: [] } },
  },
  metadataUpdated: {
    streamAccount: 'revenue:sales',
    event: {
      type: 'TransactionMetadataUpdated',
      effectiveAt: T,
      data: { transactionId: 'tx-1', set: { flag: true }, unset: [], metadata: { flag: true } },
    },
  },
  opened: {
    streamAccount: 'liabilities:users:42:wallet',
    event: {
      type: 'AccountOpened',
      effectiveAt: T,
      data: {
        code: 'liabilities:users:42:wallet',
        name: 'Wallet',
        type: 'LIABILITY',
        currency: 'USD',
        minimumBalance: null,
        metadata: { tier: 'gold' },
      },
    },
  },
  frozen: {
    streamAccount: 'liabilities:users:42:wallet',
    event: { type: 'AccountFrozen', effectiveAt: T, data: { reason: null } },
  },
  member: {
    streamAccount: null,
    event: {
      type: 'CategoryMemberAdded',
      effectiveAt: T,
      data: { account: 'liabilities:users:42:wallet', childCategory: null },
    },
  },
  categoryCreated: {
    streamAccount: null,
    event: { type: 'CategoryCreated', effectiveAt: T, data: { code: 'wallets', name: 'Wallets' } },
  },
  periodClosed: {
    streamAccount: null,
    event: { type: 'PeriodClosed', effectiveAt: T, data: { through: T, reason: null } },
  },
};

const check = (input: Parameters<typeof checkEventFilter>[0]) => checkEventFilter(input, EVENT_TYPES);
const matching = (filter: EventFilter) =>
  Object.entries(SAMPLES)
    .filter(([, e]) => matchesEvent(filter, e))
    .map(([name]) => name);

describe('checkEventFilter', () => {
  it('reads an empty or absent filter as no part', () => {
    expect(check(null)).toEqual({});
    expect(check({})).toEqual({});
    expect(check({ types: null, accountPrefix: null, accountPattern: null, metadata: null })).toEqual({});
  });

  it('keeps each part given, types without repeats', () => {
    expect(
      check({
        types: ['TransactionPosted', 'TransactionPosted', 'HoldPlaced'],
        accountPrefix: 'assets',
        accountPattern: 'liabilities:*:wallet',
        metadata: [{ path: 'customer.id', eq: 'c-7' }],
      }),
    ).toEqual({
      types: ['TransactionPosted', 'HoldPlaced'],
      accountPrefix: 'assets',
      accountPattern: 'liabilities:*:wallet',
      metadata: [{ path: 'customer.id', values: ['"c-7"'] }],
    });
  });

  it.each([
    [{ types: ['TransactionPostd'] }, /filter\.types.*"TransactionPostd" is not an event type/],
    [{ types: ['transactionposted'] }, /not an event type/],
    [{ types: [] }, /filter\.types: 1 to 50/],
    [{ types: Array.from({ length: 51 }, () => 'AccountOpened') }, /1 to 50/],
    [{ accountPrefix: 'Assets' }, /filter\.accountPrefix/],
    [{ accountPrefix: 'a'.repeat(129) }, /filter\.accountPrefix/],
    [{ accountPrefix: 'assets:' }, /filter\.accountPrefix/],
    [{ accountPattern: 'assets:***' }, /filter\.accountPattern.*not an account pattern/],
    [{ accountPattern: "'; drop table events; --" }, /filter\.accountPattern/],
    [{ metadata: [{ path: 'a..b', eq: 1 }] }, /filter\.metadata\.path/],
    [{ metadata: [{ path: 'a', eq: 1, exists: true }] }, /exactly one of eq, in and exists/],
    [{ metadata: [{ path: 'a', eq: null }] }, /null matches nothing/],
    [{ metadata: Array.from({ length: 11 }, () => ({ path: 'a', exists: true })) }, /at most 10 predicates/],
  ])('refuses %j', (input, message) => {
    expect(() => check(input)).toThrow(ValidationError);
    expect(() => check(input)).toThrow(message);
  });

  it('names the field it is given', () => {
    expect(() => checkEventFilter({ types: ['Nope'] }, EVENT_TYPES, 'input.filter')).toThrow(/^input\.filter\.types/);
  });
});

describe('matchesEvent, family by family', () => {
  it('an empty filter matches every event', () => {
    expect(matching({})).toEqual(Object.keys(SAMPLES));
  });

  it('types are any of', () => {
    expect(matching(check({ types: ['TransactionPosted', 'AccountFrozen'] }))).toEqual(['posted', 'frozen']);
  });

  it('an account prefix matches the stream’s account or any account the event names', () => {
    // The legs name assets:bank:checking although each of these events is on revenue:sales.
    expect(matching(check({ accountPrefix: 'assets:bank' }))).toEqual(['posted', 'holdPlaced', 'holdCommitted']);
    expect(matching(check({ accountPrefix: 'revenue' }))).toEqual([
      'posted',
      'holdPlaced',
      'holdCommitted',
      'holdVoided',
      'metadataUpdated',
    ]);
    // Prefix is "this account and below", segment by segment: "liab" is not a prefix of "liabilities".
    expect(matching(check({ accountPrefix: 'liab' }))).toEqual([]);
    // A category member names its account; category and books events name none.
    expect(matching(check({ accountPrefix: 'liabilities:users' }))).toEqual(['opened', 'frozen', 'member']);
  });

  it('an account pattern follows the search rules: "*" one segment, "**" any number', () => {
    expect(matching(check({ accountPattern: 'liabilities:users:*:wallet' }))).toEqual(['opened', 'frozen', 'member']);
    expect(matching(check({ accountPattern: 'liabilities:*:wallet' }))).toEqual([]);
    expect(matching(check({ accountPattern: '**:checking' }))).toEqual(['posted', 'holdPlaced', 'holdCommitted']);
  });

  it('metadata predicates read the metadata the event carries; none passes only exists: false', () => {
    expect(matching(check({ metadata: [{ path: 'customer.id', eq: 'c-7' }] }))).toEqual(['posted']);
    expect(matching(check({ metadata: [{ path: 'order', in: [1, 2] }] }))).toEqual(['holdPlaced']);
    expect(matching(check({ metadata: [{ path: 'flag', exists: true }] }))).toEqual(['metadataUpdated']);
    expect(matching(check({ metadata: [{ path: 'tier', eq: 'gold' }] }))).toEqual(['opened']);
    expect(matching(check({ metadata: [{ path: 'customer', exists: false }] }))).toEqual(
      Object.keys(SAMPLES).filter((name) => name !== 'posted'),
    );
  });

  it('every part must hold', () => {
    const filter = check({
      types: ['TransactionPosted', 'HoldPlaced'],
      accountPrefix: 'assets',
      metadata: [{ path: 'order', exists: true }],
    });
    expect(matching(filter)).toEqual(['holdPlaced']);
  });

  it('judges a stored event as its decoded form, on the account of its stream', () => {
    const { event } = SAMPLES.frozen!;
    const stored = {
      position: 9,
      streamId: 'account:liabilities:users:42:wallet',
      version: 2,
      ...encodeEvent(event as DomainEvent & { type: 'AccountFrozen' }),
      metadata: '{}',
      recordedAt: T,
      effectiveAt: T,
      transactionId: null,
      hash: '',
    };
    expect(storedEventMatches(check({ accountPattern: 'liabilities:**' }), stored)).toBe(true);
    expect(storedEventMatches(check({ accountPrefix: 'assets' }), stored)).toBe(false);
    expect(storedEventMatches(check({ types: ['AccountFrozen'] }), stored)).toBe(true);
    // A type left out is decided before decoding: even an undecodable row is simply not delivered.
    expect(storedEventMatches(check({ types: ['AccountOpened'] }), { ...stored, data: 'not json' })).toBe(false);
  });
});

/** Random filters over the sample events: the parts of a filter are an intersection. */
const filterInput = fc.record(
  {
    types: fc.subarray(['TransactionPosted', 'HoldPlaced', 'AccountOpened', 'AccountFrozen', 'CategoryMemberAdded'], {
      minLength: 1,
    }),
    accountPrefix: fc.constantFrom('assets', 'revenue', 'liabilities:users', 'liabilities:users:42:wallet', 'equity'),
    accountPattern: fc.constantFrom('**', '*:*', 'liabilities:**', '**:sales', 'assets:*:checking'),
    metadata: fc.constantFrom(
      [{ path: 'customer.id', eq: 'c-7' }],
      [{ path: 'tier', exists: false }],
      [{ path: 'order', in: [1, 3] }],
    ),
  },
  { requiredKeys: [] },
);

describe('matchesEvent, properties', () => {
  it('a filter matches exactly the events every one-part filter of its parts matches', () => {
    fc.assert(
      fc.property(filterInput, (input) => {
        const whole = matching(check(input));
        const parts = Object.entries(input).map(([key, value]) => matching(check({ [key]: value })));
        const intersection = Object.keys(SAMPLES).filter((name) => parts.every((part) => part.includes(name)));
        expect(whole).toEqual(intersection);
      }),
    );
  });

  it('adding a part never lets more events through', () => {
    fc.assert(
      fc.property(filterInput, filterInput, (a, b) => {
        const narrower = matching(check({ ...a, ...b }));
        for (const name of narrower) expect(matching(check(b))).toContain(name);
      }),
    );
  });
});
