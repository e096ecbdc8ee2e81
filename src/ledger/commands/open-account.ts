/** openAccount: one account, opened once; the same fields again change nothing. */
import { ACCOUNT_TYPES, type AccountType } from '../../domain/account.js';
import { AccountAlreadyExists, ConcurrencyConflict, PeriodClosed, ValidationError } from '../../domain/errors.js';
import { decideJournal } from '../../domain/journal.js';
import { checkCode, checkMetadata, checkName } from '../../domain/limits.js';
import { effectiveAtOf, type Command, type CommandEnv } from '../pipeline.js';

export interface OpenAccountInput {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  minimumBalance?: string | null;
  /** The highest the normal-side balance may go; omitted: unbounded. */
  maximumBalance?: string | null;
  metadata?: unknown;
  /** RFC 3339 UTC with milliseconds, as the DateTime scalar normalises it; default now. */
  effectiveAt?: string | null;
}

/** What openAccount can answer instead of the account (its mutation's union is built from this). */
export const openAccountErrors = [ValidationError, AccountAlreadyExists, PeriodClosed, ConcurrencyConflict] as const;

/** Step 1 (checkInput); the command resolves to nothing new: the account is named by its code. */
export function openAccount(input: OpenAccountInput, env: CommandEnv): Command {
  const code = checkCode(input.code);
  const name = checkName(input.name);
  if (!ACCOUNT_TYPES.includes(input.type)) throw new ValidationError('type', `one of ${ACCOUNT_TYPES.join(', ')}`);
  const metadata = checkMetadata(input.metadata);
  const effectiveAt = effectiveAtOf(env, input.effectiveAt);
  return {
    name: 'openAccount',
    idempotency: null,
    accounts: [code],
    transactionId: null,
    answer: code,
    decide: (states) =>
      decideJournal(
        {
          type: 'OnAccount',
          code,
          command: {
            type: 'OpenAccount',
            code,
            name,
            accountType: input.type,
            currency: input.currency,
            minimumBalance: input.minimumBalance ?? null,
            maximumBalance: input.maximumBalance ?? null,
            metadata,
            effectiveAt,
            effectiveAtGiven: input.effectiveAt != null,
          },
        },
        states,
      ),
    // A closed period's reports must not change: no new account line inside it either.
    effectiveAt,
  };
}
