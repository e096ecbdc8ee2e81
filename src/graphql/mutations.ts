/** Root mutations: each turns its input into one ledger command and returns a result union. */
import { MAX_EXCHANGES } from '../domain/exchanges.js';
import { builder } from './builder.js';
import { committed } from './committed.js';
import { DryRunRef, dryRunAnswer, type DryRunValue } from './dry-run.js';
import type { TransactionView } from '../ledger/queries.js';
import { asResult, errorData, resultUnion } from './errors.js';
import { MAX_BATCH, MAX_BATCH_LEGS, MAX_CONDITIONS } from '../domain/limits.js';
import { closeAccountErrors, lifecycleErrors } from '../ledger/commands/account-lifecycle.js';
import { adjustPendingErrors } from '../ledger/commands/adjust-pending.js';
import { commitPendingErrors } from '../ledger/commands/commit-pending.js';
import { openAccountErrors } from '../ledger/commands/open-account.js';
import { postTransactionErrors } from '../ledger/commands/post-transaction.js';
import { batchItemErrors, type BatchResult } from '../ledger/commands/post-transactions.js';
import { reverseTransactionErrors } from '../ledger/commands/reverse-transaction.js';
import { voidPendingErrors } from '../ledger/commands/void-pending.js';
import { AccountRef } from './types/account-ref.js';
import { AccountTypeRef } from './types/account.js';
import { TransactionRef } from './types/entry.js';
import { DirectionRef } from './types/money.js';
import { rethrowAsInput } from './bad-input.js';
import { SAY } from './limit-text.js';
import { BalanceConditionInputRef, ExpectedVersionInputRef } from './conditions.js';

const OpenAccountInput = builder.inputType('OpenAccountInput', {
  description: 'A new account. Sending the same fields again returns the existing account.',
  fields: (t) => ({
    code: t.string({
      required: true,
      description: `Unique, immutable: [a-z0-9_-] segments joined by ":", ${SAY.code}.`,
    }),
    name: t.string({ required: true, description: `Display name, ${SAY.name}.` }),
    type: t.field({ type: AccountTypeRef, required: true, description: 'Fixes the normal side.' }),
    currency: t.string({
      required: true,
      description: `ISO 4217 ("USD") or a custom asset with its scale ("BTC/8", ${SAY.customScale}).`,
    }),
    minimumBalance: t.field({
      type: 'Decimal',
      description:
        'Lowest allowed normal-side balance: "0" forbids overdraft, "-100.00" allows that much. Omit for no bound.',
    }),
    maximumBalance: t.field({
      type: 'Decimal',
      description:
        'Highest allowed normal-side balance, what holds bring in counted (e.g. a wallet capped at "1000.00"); not below minimumBalance. Omit for no bound.',
    }),
    metadata: t.field({ type: 'JSON', description: `A JSON object of at most ${SAY.metadata}.` }),
    effectiveAt: t.field({
      type: 'DateTime',
      description: 'Opened as of this time (e.g. when migrating history); default now.',
    }),
  }),
});

const EntryInput = builder.inputType('EntryInput', {
  description: 'One leg: an amount debited or credited to an account.',
  fields: (t) => ({
    account: t.string({ required: true, description: 'The account code.' }),
    direction: t.field({ type: DirectionRef, required: true, description: 'DEBIT or CREDIT.' }),
    amount: t.field({ type: 'Decimal', required: true, description: '> 0, at most the currency’s decimals.' }),
    currency: t.string({
      description: 'Optional check: refused with CurrencyMismatch unless it is the account’s currency.',
    }),
  }),
});

const MoneyInput = builder.inputType('MoneyInput', {
  description: 'An exact amount in a currency.',
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true, description: '> 0, at most the currency’s decimals.' }),
    currency: t.string({ required: true, description: 'An ISO 4217 code ("USD") or a custom asset "CODE/SCALE".' }),
  }),
});

const ExchangeInput = builder.inputType('ExchangeInput', {
  description:
    'A conversion the transaction made: `from` left in one currency, `to` arrived in another (rate = to / from). Inkwell adds a DEBIT of `from` and a CREDIT of `to` on the pair’s conversion accounts, so each currency balances.',
  fields: (t) => ({
    from: t.field({ type: MoneyInput, required: true, description: 'What was converted.' }),
    to: t.field({ type: MoneyInput, required: true, description: 'What it became.' }),
  }),
});

export const PostTransactionInput = builder.inputType('PostTransactionInput', {
  description: `A balanced journal entry: ${SAY.legs}, debits equal to credits in every currency.`,
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: `${SAY.idempotencyKey}. A retry with the same key and request returns the first result.`,
    }),
    entries: t.field({ type: [EntryInput], required: true, description: 'The legs.' }),
    effectiveAt: t.field({
      type: 'DateTime',
      description: `Value time; default now. Not before its accounts opened, ${SAY.futureSkew}.`,
    }),
    description: t.string({ description: `At most ${SAY.description}.` }),
    metadata: t.field({ type: 'JSON', description: `A JSON object of at most ${SAY.metadata}.` }),
    pending: t.boolean({
      description: 'A hold: reserve the funds now (status PENDING), post them with commitPending.',
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'A hold’s expiry (only with pending): from then on it reserves nothing and cannot be committed.',
    }),
    conditions: t.field({
      type: [BalanceConditionInputRef],
      description: `Bounds on the balances the transaction would leave, at most ${MAX_CONDITIONS}; all must hold (BalanceConditionFailed names the first that does not).`,
    }),
    expectedVersions: t.field({
      type: [ExpectedVersionInputRef],
      description: `Optimistic locks, at most ${MAX_CONDITIONS}: each account’s stream must still be at the version given (VersionMismatch otherwise).`,
    }),
    exchanges: t.field({
      type: [ExchangeInput],
      description: `Conversions between the legs’ currencies, at most ${MAX_EXCHANGES}: each adds two legs on the conversion accounts (\`equity:conversion:<a>-<b>:<currency>\`, opened when first needed) so that every currency balances. Not with pending.`,
    }),
  }),
});

const PostTransactionsInput = builder.inputType('PostTransactionsInput', {
  description: `Up to ${MAX_BATCH} transactions, posted in order in one durable commit.`,
  fields: (t) => ({
    transactions: t.field({
      type: [PostTransactionInput],
      required: true,
      description: `1 to ${MAX_BATCH} transactions, ${MAX_BATCH_LEGS} legs in all at most; each sees the ones before it.`,
    }),
    atomic: t.boolean({
      description: 'All or nothing (default false: a refused transaction fails alone and the others are posted).',
    }),
  }),
});

const HoldLegInput = builder.inputType('HoldLegInput', {
  description: 'An amount on one leg of a hold, named by its account (the hold must have one leg on it).',
  fields: (t) => ({
    account: t.string({ required: true, description: 'The account of the leg.' }),
    amount: t.field({ type: 'Decimal', required: true, description: '> 0, at most the currency’s decimals.' }),
  }),
});

export const CommitPendingInput = builder.inputType('CommitPendingInput', {
  description: 'The hold to post (capture), in full or in part, once or in several captures.',
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: `${SAY.idempotencyKey}.` }),
    transactionId: t.id({ required: true, description: 'The pending transaction (the hold).' }),
    amount: t.field({
      type: 'Decimal',
      description:
        'Capture every leg at this amount (at most what it holds; the legs must share one amount). Default: everything held.',
    }),
    legs: t.field({
      type: [HoldLegInput],
      description:
        'Capture leg by leg instead of `amount` (a hold of several legs): each at most what its leg holds, debits equal to credits; a leg not named captures nothing.',
    }),
    final: t.boolean({
      description:
        'Default true: the rest is released and the hold is settled. false: the rest stays held for further captures (a capture that leaves nothing held settles it anyway).',
    }),
    effectiveAt: t.field({ type: 'DateTime', description: 'Value time of the posting; default now.' }),
  }),
});

export const AdjustPendingInput = builder.inputType('AdjustPendingInput', {
  description: 'The hold to raise or lower, and what it holds from now on.',
  fields: (t) => ({
    transactionId: t.id({ required: true, description: 'The pending transaction (the hold).' }),
    amount: t.field({
      type: 'Decimal',
      description:
        'What every leg holds from now on (the new total of a two-leg hold; the legs must share one amount), after any captures. Give this or legs.',
    }),
    legs: t.field({
      type: [HoldLegInput],
      description:
        'Leg by leg instead of `amount` (a hold of several legs): what each named leg holds from now on; a leg not named keeps what it holds; debits must equal credits.',
    }),
  }),
});

export const VoidPendingInput = builder.inputType('VoidPendingInput', {
  description: 'The hold to release.',
  fields: (t) => ({ transactionId: t.id({ required: true, description: 'The pending transaction (the hold).' }) }),
});

export const TransferInput = builder.inputType('TransferInput', {
  description:
    'A two-leg transaction with explicit sides (as TigerBeetle does: "from/to" means opposite things for assets and liabilities).',
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: `${SAY.idempotencyKey}.` }),
    debitAccount: t.string({ required: true, description: 'The account debited.' }),
    creditAccount: t.string({ required: true, description: 'The account credited.' }),
    amount: t.field({ type: 'Decimal', required: true, description: '> 0, at most the currency’s decimals.' }),
    currency: t.string({ description: 'Optional check against both accounts’ currency.' }),
    effectiveAt: t.field({ type: 'DateTime', description: 'Value time; default now.' }),
    description: t.string({ description: `At most ${SAY.description}.` }),
    metadata: t.field({ type: 'JSON', description: `A JSON object of at most ${SAY.metadata}.` }),
    upTo: t.boolean({
      description:
        'Move as much of `amount` as the balance bounds let through: the smaller of amount, what the debited account can give and what the credited account can take (holds counted). The transaction records what moved; nothing at all is refused.',
    }),
  }),
});

export const ReverseTransactionInput = builder.inputType('ReverseTransactionInput', {
  description: 'The transaction to reverse with its exact opposite legs.',
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: `${SAY.idempotencyKey}.` }),
    transactionId: t.id({ required: true, description: 'The transaction to reverse.' }),
    effectiveAt: t.field({ type: 'DateTime', description: 'Value time of the reversal; default: the original’s.' }),
    description: t.string({ description: 'Default: "Reversal of <id>: <original description>".' }),
    metadata: t.field({ type: 'JSON', description: `A JSON object of at most ${SAY.metadata}.` }),
  }),
});

const CloseAccountInput = builder.inputType('CloseAccountInput', {
  description: 'The account to close; its balance must be zero.',
  fields: (t) => ({ code: t.string({ required: true, description: 'The account code.' }) }),
});

const OpenAccountResult = resultUnion(
  'OpenAccountResult',
  AccountRef,
  openAccountErrors,
  'The account, or why it was not opened.',
);
const PostTransactionResult = resultUnion(
  'PostTransactionResult',
  TransactionRef,
  postTransactionErrors,
  'The posted transaction (with dryRun: what would be posted), or why nothing was (or would be) posted.',
  [DryRunRef],
);
const ReverseTransactionResult = resultUnion(
  'ReverseTransactionResult',
  TransactionRef,
  reverseTransactionErrors,
  'The reversal, or why nothing was posted.',
);
const BatchItemResult = resultUnion(
  'PostTransactionsItemResult',
  TransactionRef,
  batchItemErrors,
  'One transaction of the batch: posted, or why not.',
);
const PostTransactionsPayload = builder
  .objectRef<{ outcomes: BatchResult[]; posted: number }>('PostTransactionsPayload')
  .implement({
    description: 'A result per transaction, in the order given.',
    fields: (t) => ({
      results: t.field({
        type: [BatchItemResult],
        description: 'Per transaction: the Transaction, or the typed error.',
        // Loaded only when asked for (a client counting `posted` reads no transaction back).
        resolve: (p, _args, ctx) =>
          Promise.all(
            p.outcomes.map(async (o) =>
              o.error ? errorData(o.error) : (await ctx.transactions.load(o.transactionId))!,
            ),
          ),
      }),
      posted: t.exposeInt('posted', { description: 'How many were posted (or found posted, on a retry).' }),
    }),
  });
const CloseAccountResult = resultUnion(
  'CloseAccountResult',
  AccountRef,
  closeAccountErrors,
  'The closed account, or why it stays open.',
);
const CommitPendingResult = resultUnion(
  'CommitPendingResult',
  TransactionRef,
  commitPendingErrors,
  'The posted transaction, or why the hold stays as it is.',
);
const AdjustPendingResult = resultUnion(
  'AdjustPendingResult',
  TransactionRef,
  adjustPendingErrors,
  'The hold as adjusted, or why it stays as it is.',
);
const VoidPendingResult = resultUnion(
  'VoidPendingResult',
  TransactionRef,
  voidPendingErrors,
  'The voided hold, or why not.',
);

const AccountCodeInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({ code: t.string({ required: true, description: 'The account code.' }) }),
  });

const FreezeAccountInput = builder.inputType('FreezeAccountInput', {
  description: 'The account to freeze: it takes no postings until unfrozen.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The account code.' }),
    reason: t.string({ description: `Why, for the audit trail (at most ${SAY.description}).` }),
  }),
});
const UnfreezeAccountInput = AccountCodeInput('UnfreezeAccountInput', 'The account to unfreeze.');
const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  description: 'New name and/or metadata; an omitted field keeps its value.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The account code (never changes).' }),
    name: t.string({ description: `The new display name, ${SAY.name}.` }),
    metadata: t.field({
      type: 'JSON',
      description: `The new metadata, a JSON object of at most ${SAY.metadata}; null clears it.`,
    }),
  }),
});
const SetMinimumBalanceInput = builder.inputType('SetMinimumBalanceInput', {
  description: 'The lowest allowed normal-side balance from now on.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The account code.' }),
    minimumBalance: t.field({
      type: 'Decimal',
      description: '"0" forbids overdraft, "-100.00" allows that much; null (or omitted) removes the bound.',
    }),
  }),
});
const SetMaximumBalanceInput = builder.inputType('SetMaximumBalanceInput', {
  description: 'The highest allowed normal-side balance from now on.',
  fields: (t) => ({
    code: t.string({ required: true, description: 'The account code.' }),
    maximumBalance: t.field({
      type: 'Decimal',
      description: 'Not below the minimum balance; null (or omitted) removes the bound.',
    }),
  }),
});
const LifecycleResult = resultUnion(
  'AccountLifecycleResult',
  AccountRef,
  lifecycleErrors,
  'The account after the change, or why nothing changed.',
);

const DRY_RUN =
  'True: answer what the command would do (DryRun: the transaction, the accounts afterwards) or why it would be refused, and write nothing — no event, no idempotency record.';

builder.mutationType({
  description:
    'Commands. Each is acknowledged only after its events are durably committed. Posting needs a writer key; account lifecycle an admin key.',
  fields: (t) => ({
    openAccount: t.field({
      authScopes: { admin: true },
      type: OpenAccountResult,
      description: 'Opens an account (idempotent on identical fields).',
      args: { input: t.arg({ type: OpenAccountInput, required: true, description: 'The command.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(() => committed(ctx, ctx.ledger.openAccount(input, ctx.command), ctx.accounts)),
    }),
    postTransaction: t.field({
      authScopes: { post: true },
      type: PostTransactionResult,
      description: 'Posts a balanced journal entry, exactly once per idempotency key.',
      args: {
        input: t.arg({ type: PostTransactionInput, required: true, description: 'The command.' }),
        dryRun: t.arg.boolean({ description: DRY_RUN, defaultValue: false }),
      },
      resolve: (_root, { input, dryRun }, ctx) =>
        asResult<TransactionView | DryRunValue>(() =>
          dryRun
            ? ctx.ledger.dryRunTransaction(input, ctx.command).then((rehearsal) => dryRunAnswer(ctx, rehearsal))
            : committed(ctx, ctx.ledger.postTransaction(input, ctx.command), ctx.transactions),
        ),
    }),
    transfer: t.field({
      authScopes: { post: true },
      type: PostTransactionResult,
      description: 'Debits one account and credits another with the same amount.',
      args: {
        input: t.arg({ type: TransferInput, required: true, description: 'The command.' }),
        dryRun: t.arg.boolean({ description: DRY_RUN, defaultValue: false }),
      },
      resolve: (_root, { input, dryRun }, ctx) =>
        asResult<TransactionView | DryRunValue>(() =>
          dryRun
            ? ctx.ledger.dryRunTransfer(input, ctx.command).then((rehearsal) => dryRunAnswer(ctx, rehearsal))
            : committed(ctx, ctx.ledger.transfer(input, ctx.command), ctx.transactions),
        ),
    }),
    postTransactions: t.field({
      authScopes: { post: true },
      type: PostTransactionsPayload,
      description: `Posts 1 to ${MAX_BATCH} transactions (${MAX_BATCH_LEGS} legs in all at most) in one durable commit; atomic means all or nothing. Each keeps its own idempotency key.`,
      args: { input: t.arg({ type: PostTransactionsInput, required: true, description: 'The batch.' }) },
      resolve: async (_root, { input }, ctx) => {
        // Each item's refusal is data; only the batch's own bounds are thrown, as the request's error.
        const outcomes = await ctx.ledger
          .postTransactions(input.transactions, ctx.command, { atomic: input.atomic ?? false })
          .catch(rethrowAsInput);
        ctx.now = new Date().toISOString();
        ctx.transactions.clearAll();
        ctx.accounts.clearAll();
        return { outcomes, posted: outcomes.filter((o) => !o.error).length };
      },
    }),
    commitPending: t.field({
      authScopes: { post: true },
      type: CommitPendingResult,
      description:
        'Posts (captures) a hold in full or in part; a final capture (the default) releases the rest, final: false keeps it held for further captures. Refused once it expired, was committed or voided.',
      args: { input: t.arg({ type: CommitPendingInput, required: true, description: 'The command.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(() =>
          committed(
            ctx,
            ctx.ledger.commitPending({ ...input, transactionId: String(input.transactionId) }, ctx.command),
            ctx.transactions,
          ),
        ),
    }),
  }),
});

/** Holds and reversals. */
builder.mutationFields((t) => ({
  adjustPending: t.field({
    authScopes: { post: true },
    type: AdjustPendingResult,
    description:
      'Raises or lowers what a hold holds: a raise is checked as placing it would be, a lowering releases the difference.',
    args: { input: t.arg({ type: AdjustPendingInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.adjustPending({ ...input, transactionId: String(input.transactionId) }, ctx.command),
          ctx.transactions,
        ),
      ),
  }),
  voidPending: t.field({
    authScopes: { post: true },
    type: VoidPendingResult,
    description:
      'Releases a hold without posting (an expired one too); voiding it again, or once its expiry is recorded, changes nothing.',
    args: { input: t.arg({ type: VoidPendingInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.voidPending({ transactionId: String(input.transactionId) }, ctx.command),
          ctx.transactions,
        ),
      ),
  }),
  reverseTransaction: t.field({
    authScopes: { post: true },
    type: ReverseTransactionResult,
    description: 'Posts the exact opposite of a transaction, linked both ways; a transaction is reversed at most once.',
    args: { input: t.arg({ type: ReverseTransactionInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.reverseTransaction({ ...input, transactionId: String(input.transactionId) }, ctx.command),
          ctx.transactions,
        ),
      ),
  }),
}));

/** Account lifecycle (admin). */
builder.mutationFields((t) => ({
  freezeAccount: t.field({
    authScopes: { admin: true },
    type: LifecycleResult,
    description:
      'Freezes an account: postings to it fail with AccountFrozen until it is unfrozen. Freezing it again changes nothing.',
    args: { input: t.arg({ type: FreezeAccountInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committed(ctx, ctx.ledger.freezeAccount(input, ctx.command), ctx.accounts)),
  }),
  unfreezeAccount: t.field({
    authScopes: { admin: true },
    type: LifecycleResult,
    description: 'Lets a frozen account take postings again.',
    args: { input: t.arg({ type: UnfreezeAccountInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committed(ctx, ctx.ledger.unfreezeAccount(input, ctx.command), ctx.accounts)),
  }),
  updateAccount: t.field({
    authScopes: { admin: true },
    type: LifecycleResult,
    description: 'Renames an account and/or replaces its metadata, as an event in its stream.',
    args: { input: t.arg({ type: UpdateAccountInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committed(ctx, ctx.ledger.updateAccount(input, ctx.command), ctx.accounts)),
  }),
  setMinimumBalance: t.field({
    authScopes: { admin: true },
    type: LifecycleResult,
    description: 'Changes the lower bound of the account’s normal-side balance; later postings are checked against it.',
    args: { input: t.arg({ type: SetMinimumBalanceInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.changeMinimumBalance(
            { code: input.code, minimumBalance: input.minimumBalance ?? null },
            ctx.command,
          ),
          ctx.accounts,
        ),
      ),
  }),
  setMaximumBalance: t.field({
    authScopes: { admin: true },
    type: LifecycleResult,
    description:
      'Changes the upper bound of the account’s normal-side balance; later inflows are checked against it (a balance already above it is left as it is).',
    args: { input: t.arg({ type: SetMaximumBalanceInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.changeMaximumBalance(
            { code: input.code, maximumBalance: input.maximumBalance ?? null },
            ctx.command,
          ),
          ctx.accounts,
        ),
      ),
  }),
  closeAccount: t.field({
    authScopes: { admin: true },
    type: CloseAccountResult,
    description: 'Closes an account at zero balance; closing it again changes nothing.',
    args: { input: t.arg({ type: CloseAccountInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committed(ctx, ctx.ledger.closeAccount(input, ctx.command), ctx.accounts)),
  }),
}));
