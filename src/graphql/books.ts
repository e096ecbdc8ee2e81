/** The period lock: `books` (read), `closePeriod` and `reopenPeriod` (admin). */
import type { BooksState } from '../domain/books.js';
import { loadBooks } from '../ledger/books.js';
import { builder } from './builder.js';
import { asResult, resultUnion } from './errors.js';
import { booksErrors } from '../ledger/commands/books.js';
import { SAY } from './limit-text.js';

export const BooksRef = builder.objectRef<BooksState>('Books').implement({
  description: 'The books as a whole.',
  fields: (t) => ({
    lockedThrough: t.expose('lockedThrough', {
      type: 'DateTime',
      nullable: true,
      description:
        'Nothing effective at or before this instant can be posted, reversed or committed; null when no period is closed.',
    }),
  }),
});

const ClosePeriodInput = builder.inputType('ClosePeriodInput', {
  description: 'Close the books through an instant in the past.',
  fields: (t) => ({
    through: t.field({
      type: 'DateTime',
      required: true,
      description: 'The last instant of the closed period (inclusive).',
    }),
    reason: t.string({ description: `Why, for the audit trail (at most ${SAY.description}).` }),
  }),
});

const ReopenPeriodInput = builder.inputType('ReopenPeriodInput', {
  description: 'Move the lock back.',
  fields: (t) => ({
    through: t.field({ type: 'DateTime', description: 'The new, earlier lock; null (or omitted) reopens everything.' }),
    reason: t.string({ description: `Why, for the audit trail (at most ${SAY.description}).` }),
  }),
});

const BooksResult = resultUnion(
  'BooksResult',
  BooksRef,
  booksErrors,
  'The books after the command, or why nothing changed.',
);

builder.queryField('books', (t) =>
  t.field({
    type: BooksRef,
    authScopes: { read: true },
    description: 'The books as a whole: the period lock.',
    resolve: (_root, _args, ctx) => loadBooks(ctx.ledger.database.db),
  }),
);

builder.mutationFields((t) => ({
  closePeriod: t.field({
    type: BooksResult,
    authScopes: { admin: true },
    description:
      'Closes the books through an instant: no posting, reversal or hold commit effective at or before it is accepted (PeriodClosed). Admin only.',
    args: { input: t.arg({ type: ClosePeriodInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) => asResult(() => ctx.ledger.closePeriod(input, ctx.command)),
  }),
  reopenPeriod: t.field({
    type: BooksResult,
    authScopes: { admin: true },
    description: 'Reopens the books back to an earlier instant (or entirely), recorded as its own event. Admin only.',
    args: { input: t.arg({ type: ReopenPeriodInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => ctx.ledger.reopenPeriod({ through: input.through ?? null, reason: input.reason }, ctx.command)),
  }),
}));
