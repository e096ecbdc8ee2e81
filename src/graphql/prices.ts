/**
 * Prices through GraphQL (issue 22, point 1): `setPrice`, `price(base, quote, asOf, knownAt)` and
 * the connection `prices(base, quote, from, to)`. Thin: checks and answers live in
 * domain/prices.ts and ledger/prices.ts.
 */
import { MAX_RATE_DIGITS, MAX_RATE_SCALE, parsePair, type RecordedPrice } from '../domain/prices.js';
import { setPriceErrors, type SetPriceResult } from '../ledger/commands/set-price.js';
import { priceAt, priceSeries } from '../ledger/prices.js';
import { FIRST_INSTANT } from '../reports/cut.js';
import { asInput, badInput } from './bad-input.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { asResult, resultUnion } from './errors.js';
import { SAY } from './limit-text.js';

type PriceView = SetPriceResult;

const PriceRef = builder.objectRef<PriceView>('Price').implement({
  description:
    'The rate of one unit of `base` in `quote`, effective from `effectiveAt`, recorded at `recordedAt`. Only recorded pairs are answered: a EUR/USD price never answers USD/EUR.',
  fields: (t) => ({
    base: t.exposeString('base', { description: 'The currency priced.' }),
    quote: t.exposeString('quote', { description: 'The currency the rate is in.' }),
    rate: t.expose('rate', {
      type: 'Decimal',
      description: 'Exact, > 0, written without trailing zeros: one unit of base is worth rate units of quote.',
    }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'From when it holds (business time).' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When the ledger learned it.' }),
  }),
});

const PriceConnection = connectionType<PriceView>('Price', PriceRef, 'price');

const SetPriceInput = builder.inputType('SetPriceInput', {
  description:
    'A price: one unit of base is worth rate units of quote from effectiveAt on. The same rate again for the same pair and effectiveAt changes nothing; another rate corrects it from now on (what was known before stays answerable with knownAt).',
  fields: (t) => ({
    base: t.string({ required: true, description: 'A currency: ISO 4217 ("EUR") or a custom asset "CODE/SCALE".' }),
    quote: t.string({ required: true, description: 'Another currency, in the same form; not base.' }),
    rate: t.field({
      type: 'Decimal',
      required: true,
      description: `Exact, > 0, at most ${MAX_RATE_DIGITS} significant digits and ${MAX_RATE_SCALE} decimals (never rounded).`,
    }),
    effectiveAt: t.field({
      type: 'DateTime',
      description: `From when it holds (backdating allowed, not into a closed period), ${SAY.futureSkew}; default now.`,
    }),
  }),
});

const SetPriceResultRef = resultUnion('SetPriceResult', PriceRef, setPriceErrors, 'The price recorded, or why not.');

builder.mutationField('setPrice', (t) =>
  t.field({
    // Prices move valuations the way postings move balances: the role that posts sets them.
    authScopes: { post: true },
    type: SetPriceResultRef,
    description: 'Records a price as a PriceSet event on the pair’s stream (`price:<base>:<quote>`).',
    args: { input: t.arg({ type: SetPriceInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) => asResult(() => ctx.ledger.setPrice(input, ctx.command)),
  }),
);

/** The pair of a query, checked as setPrice checks it: a bad one is the client's mistake. */
const pairOf = (args: { base: string; quote: string }) => asInput(() => parsePair(args.base, args.quote));

/** knownAt as reports take it: default now, and never after now. */
const knownAtOf = (ctx: GraphQLContext, knownAt: string | null | undefined) =>
  knownAt && knownAt < ctx.now ? knownAt : ctx.now;

builder.queryFields((t) => ({
  price: t.field({
    authScopes: { read: true },
    type: PriceRef,
    nullable: true,
    description:
      'The latest price of base in quote effective at or before `asOf`, as known at `knownAt` (both default to now); between two with the same effectiveAt, the later recorded. Null when none.',
    args: {
      base: t.arg.string({ required: true, description: 'The currency priced.' }),
      quote: t.arg.string({ required: true, description: 'The currency the rate is in.' }),
      asOf: t.arg({ type: 'DateTime', description: 'Effective time; default now.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { base, quote } = pairOf(args);
      const asOf = args.asOf ?? ctx.now;
      const found = await priceAt(ctx.ledger.database.db, { base, quote, asOf, knownAt: knownAtOf(ctx, args.knownAt) });
      return found && { base, quote, ...found };
    },
  }),
  prices: t.field({
    authScopes: { read: true },
    type: PriceConnection,
    description:
      'The prices of base in quote effective in [from, to] (both inclusive; default: all of history up to now) as known at `knownAt`, in effective order — one per effective instant, the correction known last.',
    args: {
      base: t.arg.string({ required: true, description: 'The currency priced.' }),
      quote: t.arg.string({ required: true, description: 'The currency the rate is in.' }),
      from: t.arg({ type: 'DateTime', description: 'Earliest effective time; default the beginning.' }),
      to: t.arg({ type: 'DateTime', description: 'Latest effective time; default now.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
      first: t.arg.int({ description: 'Page size.' }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { base, quote } = pairOf(args);
      const limit = pageSize(args.first);
      const after = decodeCursor('prices', args.after, 'string');
      const from = args.from ?? FIRST_INSTANT;
      const to = args.to ?? ctx.now;
      if (from > to) throw badInput(`from (${from}) is after to (${to})`);
      const rows = await priceSeries(ctx.ledger.database.db, {
        base,
        quote,
        from,
        to,
        knownAt: knownAtOf(ctx, args.knownAt),
        after,
        limit: limit + 1,
      });
      return toPage(rows.map(view), limit, args.after, (p) => encodeCursor('prices', p.effectiveAt));
    },
  }),
}));

const view = (p: RecordedPrice): PriceView => ({
  base: p.base,
  quote: p.quote,
  rate: p.rate,
  effectiveAt: p.effectiveAt,
  recordedAt: p.recordedAt,
});
