/**
 * setPrice (issue 22, point 1): a PriceSet event on the pair's own stream (`price:<base>:<quote>`),
 * decided in a write transaction of its own (prices change rarely; the stream's version is read
 * from the read model that the same transaction keeps). Resolves to the price recorded — or, when
 * the same rate is already recorded for that pair at that instant, to that one (nothing written).
 */
import { PeriodClosed, ValidationError } from '../../domain/errors.js';
import { decideSetPrice, parsePair, parseRate } from '../../domain/prices.js';
import { encodeEvent } from '../../events/catalogue.js';
import { priceStream } from '../../events/streams.js';
import type { CommandContext } from '../context.js';
import { effectiveAtOf, metadataFor, type CommandEnv } from '../pipeline.js';
import { pricesAtInstant, priceStreamVersion, type PriceAnswer } from '../prices.js';
import type { WriteSession } from '../write-session.js';

/** In the order they are checked: input, then the period lock. */
export const setPriceErrors = [ValidationError, PeriodClosed] as const;

export interface SetPriceInput {
  base: string;
  quote: string;
  rate: string;
  effectiveAt?: string | null;
}

/** setPrice after step 1 (its input checked): run by `runSetPrice`. */
export interface OnSetPrice {
  base: string;
  quote: string;
  rate: string;
  effectiveAt: string;
}

export function setPrice(input: SetPriceInput, env: CommandEnv): OnSetPrice {
  const { base, quote } = parsePair(input.base, input.quote);
  return { base, quote, rate: parseRate(input.rate), effectiveAt: effectiveAtOf(env, input.effectiveAt) };
}

export type SetPriceResult = PriceAnswer & { base: string; quote: string };

/** Inside the write transaction (alone): decide against the read model, stage the event. */
export async function runSetPrice(
  session: WriteSession,
  command: OnSetPrice,
  ctx: CommandContext,
): Promise<SetPriceResult> {
  const { base, quote, effectiveAt } = command;
  // A price effective in a closed period would change that period's valued reports.
  const { lockedThrough } = await session.books();
  if (lockedThrough !== null && effectiveAt <= lockedThrough) throw new PeriodClosed(lockedThrough, effectiveAt);
  const db = session.trx;
  const existing = await pricesAtInstant(db, base, quote, effectiveAt);
  const latest = existing[existing.length - 1] ?? null;
  const events = decideSetPrice(command, latest);
  if (events.length === 0) return { base, quote, rate: latest!.rate, effectiveAt, recordedAt: latest!.recordedAt };
  const [stored] = session.appendPriceEvents({
    streamId: priceStream(base, quote),
    expectedVersion: await priceStreamVersion(db, base, quote),
    events: events.map((e) => ({
      ...encodeEvent(e),
      metadata: metadataFor(ctx, 'setPrice', null),
      effectiveAt: e.effectiveAt,
      transactionId: null,
    })),
  });
  return { base, quote, rate: command.rate, effectiveAt, recordedAt: stored!.recordedAt };
}
