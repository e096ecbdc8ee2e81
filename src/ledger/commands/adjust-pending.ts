/**
 * adjustPending: raises or lowers what a hold holds — every leg at `amount` (a hold whose legs
 * share one amount, as a transfer's do), or leg by leg (`legs`; a leg not named keeps what it
 * holds). The amount is what the hold holds from then on, after any captures. A raise is checked
 * as placing the hold would be (accounts open and not frozen; the hold itself left out, the minimum
 * against what is available, the maximum against what the account would hold with what live holds
 * bring in); a lowering releases the difference and is always allowed.
 * Moves no posted balance, so the period lock does not apply. Setting a hold to what it already
 * holds writes nothing. No idempotency key: asking twice for the same amount is the same state.
 */
import {
  AccountClosed,
  AccountFrozen,
  BalanceLimitExceeded,
  ConcurrencyConflict,
  InsufficientFunds,
  ValidationError,
} from '../../domain/errors.js';
import { holdAmountsOf } from '../../domain/hold-amounts.js';
import type { NotYetAvailable } from '../../domain/journal.js';
import { effectiveAtOf, type Command, type CommandEnv } from '../pipeline.js';
import { holdAmountErrors, onOpenHold, type HoldLegInput } from './commit-pending.js';

export interface AdjustPendingInput {
  transactionId: string;
  /** What every leg holds from now on (the legs must share one amount). */
  amount?: string | null;
  /** Leg by leg instead: what each named leg holds from now on. */
  legs?: HoldLegInput[] | null;
}

export const adjustPendingErrors = [
  ...holdAmountErrors,
  AccountClosed,
  AccountFrozen,
  InsufficientFunds,
  BalanceLimitExceeded,
  ConcurrencyConflict,
] as const;

export async function adjustPending(input: AdjustPendingInput, env: CommandEnv): Promise<Command<NotYetAvailable>> {
  const amounts = holdAmountsOf(input);
  if (amounts === null) throw new ValidationError('amount', 'give the new amount (or legs, leg by leg)');
  const effectiveAt = effectiveAtOf(env, null);
  const command = await onOpenHold(env, input.transactionId, (common) => ({
    type: 'AdjustHold',
    ...common,
    amounts,
    effectiveAt,
  }));
  return { ...command, name: 'adjustPending' };
}
