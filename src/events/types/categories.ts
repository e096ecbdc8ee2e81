/** Category streams (`category:<code>`): a category's creation and every change of its membership. */
import { fail, nullable, object, string, type Check } from '../schema-check.js';
import { accountCode, type EventVersion } from './shared.js';

/** A member is exactly one of an account and a child category. */
const member: Check = (value) => {
  object({ account: nullable(accountCode), childCategory: nullable(accountCode) })(value);
  const { account, childCategory } = value as { account: unknown; childCategory: unknown };
  if ((account === null) === (childCategory === null)) fail('exactly one of account and childCategory');
};

/** A new category (codes follow the account-code rule). */
export const CATEGORY_CREATED: EventVersion[] = [
  { changes: 'First shape: the code and display name.', validate: object({ code: accountCode, name: string() }) },
];

/** The member belongs to the category from the event's effectiveAt on (until a later change). */
export const CATEGORY_MEMBER_ADDED: EventVersion[] = [
  { changes: 'First shape: an account or a child category.', validate: member },
];

/** The member leaves the category from the event's effectiveAt on (until a later change). */
export const CATEGORY_MEMBER_REMOVED: EventVersion[] = [
  { changes: 'First shape: an account or a child category.', validate: member },
];
