/**
 * Commands on one existing account, effective now: close, freeze, unfreeze, update, and the
 * balance bounds. Each resolves to the account's code; one that changes nothing writes nothing.
 */
import type { AccountCommand } from '../../domain/account.js';
import {
  AccountClosed,
  AccountHasBalance,
  AccountHasPendingHolds,
  AccountNotFound,
  ConcurrencyConflict,
  ValidationError,
} from '../../domain/errors.js';
import { decideJournal } from '../../domain/journal.js';
import { checkCode, checkDescription, checkMetadata, checkName } from '../../domain/limits.js';
import { effectiveAtOf, type Command, type CommandEnv } from '../pipeline.js';

/** What freeze, unfreeze, update and setMinimumBalance can answer instead of the account. */
export const lifecycleErrors = [ValidationError, AccountNotFound, AccountClosed, ConcurrencyConflict] as const;

/** What closeAccount can answer instead of the account. */
export const closeAccountErrors = [
  ValidationError,
  AccountNotFound,
  AccountHasBalance,
  AccountHasPendingHolds,
  ConcurrencyConflict,
] as const;

/** Closes an account at zero balance with no open hold; closing a closed account changes nothing. */
export function closeAccount(input: { code: string }, env: CommandEnv): Command {
  return onAccount('closeAccount', input.code, env, (effectiveAt) => ({ type: 'CloseAccount', effectiveAt }));
}

/** Freezes an account: it takes no postings until unfrozen. Freezing a frozen account changes nothing. */
export function freezeAccount(input: { code: string; reason?: string | null }, env: CommandEnv): Command {
  const reason = input.reason == null ? null : checkDescription(input.reason);
  return onAccount('freezeAccount', input.code, env, (effectiveAt) => ({ type: 'FreezeAccount', reason, effectiveAt }));
}

export function unfreezeAccount(input: { code: string }, env: CommandEnv): Command {
  return onAccount('unfreezeAccount', input.code, env, (effectiveAt) => ({ type: 'UnfreezeAccount', effectiveAt }));
}

/** Renames an account and/or replaces its metadata (an omitted field keeps its value; metadata null clears it). */
export function updateAccount(
  input: { code: string; name?: string | null; metadata?: unknown },
  env: CommandEnv,
): Command {
  const name = input.name == null ? undefined : checkName(input.name);
  const metadata = input.metadata === undefined ? undefined : checkMetadata(input.metadata);
  return onAccount('updateAccount', input.code, env, (effectiveAt) => ({
    type: 'UpdateAccount',
    name,
    metadata,
    effectiveAt,
  }));
}

/** Sets the lower bound of the normal-side balance ("0": no overdraft; "-100.00": an overdraft limit; null: none). */
export function changeMinimumBalance(input: { code: string; minimumBalance: string | null }, env: CommandEnv): Command {
  return onAccount('changeMinimumBalance', input.code, env, (effectiveAt) => ({
    type: 'ChangeMinimumBalance',
    minimumBalance: input.minimumBalance,
    effectiveAt,
  }));
}

/** Sets the upper bound of the normal-side balance (null: none); never below the minimum. */
export function changeMaximumBalance(input: { code: string; maximumBalance: string | null }, env: CommandEnv): Command {
  return onAccount('changeMaximumBalance', input.code, env, (effectiveAt) => ({
    type: 'ChangeMaximumBalance',
    maximumBalance: input.maximumBalance,
    effectiveAt,
  }));
}

function onAccount(
  name: string,
  rawCode: string,
  env: CommandEnv,
  make: (effectiveAt: string) => AccountCommand,
): Command {
  const code = checkCode(rawCode);
  const command = make(effectiveAtOf(env, null));
  return {
    name,
    idempotency: null,
    accounts: [code],
    transactionId: null,
    answer: code,
    decide: (states) => decideJournal({ type: 'OnAccount', code, command }, states),
  };
}
