/**
 * Categories as pure rules (issue 19, point 6): named groups of accounts and of other categories,
 * nested, many-to-many and never cyclic. Membership is effective-dated like a posting: each change
 * (an add or a remove of one member) has an effectiveAt and a log position, and the membership at
 * (asOf T, as known at position P) is, per member, the last change with effectiveAt <= T and
 * position <= P in (effectiveAt, position) order — present when that change is an add.
 */
import { CategoryAlreadyExists, CategoryCycle, NotACategoryMember } from './errors.js';

export type CategoryEvent =
  | { type: 'CategoryCreated'; effectiveAt: string; data: { code: string; name: string } }
  | { type: 'CategoryMemberAdded'; effectiveAt: string; data: CategoryMember }
  | { type: 'CategoryMemberRemoved'; effectiveAt: string; data: CategoryMember };

/** Exactly one of the two is set: an account, or a child category. */
export interface CategoryMember {
  account: string | null;
  childCategory: string | null;
}

/** One recorded change of one category's membership. */
export interface MembershipChange {
  category: string;
  member: CategoryMember;
  added: boolean;
  effectiveAt: string;
  position: number;
}

export const memberKey = (m: CategoryMember): string =>
  m.account !== null ? `account:${m.account}` : `category:${m.childCategory}`;

/** (effectiveAt, position) order: the order in which changes take effect. */
export function byEffect(a: MembershipChange, b: MembershipChange): number {
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt < b.effectiveAt ? -1 : 1;
  return a.position - b.position;
}

/** The members present at `asOf` as known at `atPosition`, by memberKey → member. */
export function presentAt(
  changes: readonly MembershipChange[],
  asOf: string,
  atPosition: number,
): Map<string, MembershipChange> {
  const last = new Map<string, MembershipChange>();
  for (const change of [...changes].sort(byEffect)) {
    if (change.effectiveAt > asOf || change.position > atPosition) continue;
    last.set(`${change.category}\u0000${memberKey(change.member)}`, change);
  }
  const present = new Map<string, MembershipChange>();
  for (const [key, change] of last) if (change.added) present.set(key, change);
  return present;
}

/** Creating a category again with the same name changes nothing; with another name it is refused. */
export function decideCreate(
  command: { code: string; name: string; now: string },
  existing: { name: string } | null,
): CategoryEvent[] {
  if (existing !== null) {
    if (existing.name === command.name) return [];
    throw new CategoryAlreadyExists(command.code);
  }
  return [{ type: 'CategoryCreated', effectiveAt: command.now, data: { code: command.code, name: command.name } }];
}

/**
 * An add or a remove of one member at `effectiveAt`. `pair` holds every change of this
 * (category, member) known now; `childEdges` every change of a child category anywhere (for
 * the cycle check). Adding a member that is already one at that instant changes nothing (a retry
 * is harmless); removing one that is not is refused, so a remove always removes something.
 */
export function decideMembership(
  command: { category: string; member: CategoryMember; add: boolean; effectiveAt: string },
  pair: readonly MembershipChange[],
  childEdges: readonly MembershipChange[],
): CategoryEvent[] {
  const { category, member, add, effectiveAt } = command;
  const isMember = presentAt(pair, effectiveAt, Number.MAX_SAFE_INTEGER).size > 0;
  const data = { account: member.account, childCategory: member.childCategory };
  if (!add) {
    if (!isMember) throw new NotACategoryMember(category, memberKey(member), effectiveAt);
    return [{ type: 'CategoryMemberRemoved', effectiveAt, data }];
  }
  if (isMember) return [];
  const child = member.childCategory;
  if (child !== null && wouldCycle(childEdges, { category, member, added: true, effectiveAt, position: Infinity }))
    throw new CategoryCycle(category, child);
  return [{ type: 'CategoryMemberAdded', effectiveAt, data }];
}

/**
 * Whether adding `next` (a child category) makes the graph cyclic at any effective time, as known
 * once it is recorded. Known-at needs no more: a change is seen only from its own position on, and
 * every earlier cut stays as it was (checked when its own changes were added). A remove never
 * makes a cycle. The graph only changes at the instants of the changes, so checking at each
 * instant from `next.effectiveAt` on — where the new edge is present — checks every time.
 */
export function wouldCycle(childEdges: readonly MembershipChange[], next: MembershipChange): boolean {
  const parent = next.category;
  const child = next.member.childCategory!;
  if (parent === child) return true;
  const all = [...childEdges, next];
  const instants = [...new Set(all.map((c) => c.effectiveAt).filter((t) => t >= next.effectiveAt))].sort();
  for (const t of instants) {
    const edges = [...presentAt(all, t, Number.POSITIVE_INFINITY).values()];
    const present = edges.some((e) => e.category === parent && e.member.childCategory === child);
    if (present && reaches(edges, child, parent)) return true;
  }
  return false;
}

/** Whether `to` is reachable from `from` along present parent → child edges. */
function reaches(edges: readonly MembershipChange[], from: string, to: string): boolean {
  const children = new Map<string, string[]>();
  for (const e of edges) children.set(e.category, [...(children.get(e.category) ?? []), e.member.childCategory!]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (at === to) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    stack.push(...(children.get(at) ?? []));
  }
  return false;
}
