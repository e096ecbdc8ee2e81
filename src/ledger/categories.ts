/**
 * Categories, read: a category's row, its recorded membership changes, and its members at
 * (asOf, as known at a log position) — its accounts plus, transitively, its child categories'
 * accounts at that time, each account once however many paths reach it.
 */
import { presentAt, type MembershipChange } from '../domain/categories.js';
import type { Db } from '../store/db.js';
import type { CategoryMembershipsTable } from '../store/schema.js';

export interface CategoryView {
  code: string;
  name: string;
  createdAt: string;
  /** The log position of its creation: a cut before it does not know the category. */
  createdPosition: number;
  version: number;
}

export async function getCategory(db: Db, code: string): Promise<CategoryView | null> {
  const row = await db.selectFrom('categories').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) return null;
  return {
    code: row.code,
    name: row.name,
    createdAt: row.created_at,
    createdPosition: Number(row.created_position),
    version: Number(row.version),
  };
}

export function toChange(row: CategoryMembershipsTable): MembershipChange {
  return {
    category: row.category_code,
    member: { account: row.account_code, childCategory: row.child_code },
    added: Number(row.added) === 1,
    effectiveAt: row.effective_at,
    position: Number(row.position),
  };
}

/** Every recorded change of one (category, member) pair. */
export async function pairChanges(
  db: Db,
  category: string,
  member: { account: string | null; childCategory: string | null },
): Promise<MembershipChange[]> {
  let query = db.selectFrom('category_memberships').selectAll().where('category_code', '=', category);
  query =
    member.account !== null
      ? query.where('account_code', '=', member.account)
      : query.where('child_code', '=', member.childCategory);
  return (await query.execute()).map(toChange);
}

/** Every recorded change of a child category, in any category: the graph the cycle check walks. */
export async function childEdgeChanges(db: Db): Promise<MembershipChange[]> {
  return (await db.selectFrom('category_memberships').selectAll().where('child_code', 'is not', null).execute()).map(
    toChange,
  );
}

/**
 * The account codes in `code` at `asOf` as known at `atPosition`, sorted: breadth-first down the
 * child categories present at that time, each category read once (the graph is acyclic at every
 * time, and a visited set keeps a damaged one from looping).
 */
export async function membersAt(db: Db, code: string, asOf: string, atPosition: number): Promise<string[]> {
  const accounts = new Set<string>();
  const visited = new Set<string>([code]);
  let frontier = [code];
  while (frontier.length > 0) {
    const rows = await db
      .selectFrom('category_memberships')
      .selectAll()
      .where('category_code', 'in', frontier)
      .where('effective_at', '<=', asOf)
      .where('position', '<=', atPosition)
      .execute();
    frontier = [];
    for (const change of presentAt(rows.map(toChange), asOf, atPosition).values()) {
      const { account, childCategory } = change.member;
      if (account !== null) accounts.add(account);
      else if (!visited.has(childCategory!)) {
        visited.add(childCategory!);
        frontier.push(childCategory!);
      }
    }
  }
  return [...accounts].sort();
}
