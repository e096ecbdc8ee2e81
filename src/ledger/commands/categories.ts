/**
 * createCategory, addToCategory and removeFromCategory: events on the category's own stream
 * (`category:<code>`), each decided in a write transaction of its own (they change rarely, and the
 * cycle check reads every category's membership, which nothing else may move meanwhile).
 * Each resolves to the category's code; one that changes nothing writes nothing.
 */
import { decideCreate, decideMembership, type CategoryEvent, type CategoryMember } from '../../domain/categories.js';
import {
  AccountNotFound,
  CategoryAlreadyExists,
  CategoryCycle,
  CategoryNotFound,
  NotACategoryMember,
  PeriodClosed,
  ValidationError,
} from '../../domain/errors.js';
import { checkCode, checkName } from '../../domain/limits.js';
import { encodeEvent } from '../../events/catalogue.js';
import { categoryStream } from '../../events/streams.js';
import { childEdgeChanges, getCategory, pairChanges } from '../categories.js';
import type { CommandContext } from '../context.js';
import { effectiveAtOf, metadataFor, type CommandEnv } from '../pipeline.js';
import type { WriteSession } from '../write-session.js';

export const createCategoryErrors = [ValidationError, CategoryAlreadyExists] as const;

/** In the order they are checked: input, the category, the member, the period lock, the rule. */
export const membershipErrors = [
  ValidationError,
  CategoryNotFound,
  AccountNotFound,
  PeriodClosed,
  CategoryCycle,
  NotACategoryMember,
] as const;

/** A category command after step 1 (its input checked): run by `runCategory`. */
export type OnCategory =
  | { name: 'createCategory'; code: string; categoryName: string; now: string }
  | {
      name: 'addToCategory' | 'removeFromCategory';
      code: string;
      member: CategoryMember;
      effectiveAt: string;
    };

export interface MembershipInput {
  category: string;
  account?: string | null;
  childCategory?: string | null;
  effectiveAt?: string | null;
}

export function createCategory(input: { code: string; name: string }, env: CommandEnv): OnCategory {
  return {
    name: 'createCategory',
    code: checkCode(input.code, 'code'),
    categoryName: checkName(input.name),
    now: effectiveAtOf(env, null),
  };
}

export function changeMembership(input: MembershipInput, add: boolean, env: CommandEnv): OnCategory {
  const code = checkCode(input.category, 'category');
  const account = input.account == null ? null : checkCode(input.account, 'account');
  const childCategory = input.childCategory == null ? null : checkCode(input.childCategory, 'childCategory');
  if ((account === null) === (childCategory === null))
    throw new ValidationError('account', 'name exactly one of account and childCategory');
  return {
    name: add ? 'addToCategory' : 'removeFromCategory',
    code,
    member: { account, childCategory },
    effectiveAt: effectiveAtOf(env, input.effectiveAt),
  };
}

/** Inside the write transaction (alone): decide against the read models, stage the events. */
export async function runCategory(session: WriteSession, command: OnCategory, ctx: CommandContext): Promise<string> {
  const db = session.trx;
  const category = await getCategory(db, command.code);
  let events: CategoryEvent[];
  if (command.name === 'createCategory') {
    events = decideCreate({ code: command.code, name: command.categoryName, now: command.now }, category);
  } else {
    if (!category) throw new CategoryNotFound(command.code);
    const { account, childCategory } = command.member;
    if (account !== null && !(await session.accounts([account])).get(account)!.exists)
      throw new AccountNotFound(account);
    if (childCategory !== null && !(await getCategory(db, childCategory))) throw new CategoryNotFound(childCategory);
    // A change effective in a closed period would move that period's category balances.
    const { lockedThrough } = await session.books();
    if (lockedThrough !== null && command.effectiveAt <= lockedThrough)
      throw new PeriodClosed(lockedThrough, command.effectiveAt);
    events = decideMembership(
      {
        category: command.code,
        member: command.member,
        add: command.name === 'addToCategory',
        effectiveAt: command.effectiveAt,
      },
      await pairChanges(db, command.code, command.member),
      childCategory === null ? [] : await childEdgeChanges(db),
    );
  }
  if (events.length === 0) return command.code;
  const metadata = metadataFor(ctx, command.name, null);
  session.appendCategoryEvents({
    streamId: categoryStream(command.code),
    expectedVersion: category?.version ?? 0,
    events: events.map((e) => ({ ...encodeEvent(e), metadata, effectiveAt: e.effectiveAt, transactionId: null })),
  });
  return command.code;
}
