/** The Relay Node interface. Ids are readable: "Account:<code>" for accounts, the UUID for transactions. */
import { isUuid } from '../../ledger/ids.js';
import { builder } from '../builder.js';

export const NodeRef = builder.interfaceRef<object>('Node').implement({
  description: 'An object with a globally unique id, fetchable with `node(id:)`.',
  fields: (t) => ({
    id: t.id({ description: 'Globally unique id.', resolve: (value) => nodeId(value) }),
  }),
});

const ACCOUNT_PREFIX = 'Account:';

export function nodeId(value: object): string {
  if ('code' in value) return ACCOUNT_PREFIX + String(value.code);
  if ('id' in value) return String(value.id);
  throw new Error('invariant: unknown node');
}

export function parseNodeId(id: string): { type: 'Account' | 'Transaction'; key: string } | null {
  if (id.startsWith(ACCOUNT_PREFIX)) return { type: 'Account', key: id.slice(ACCOUNT_PREFIX.length) };
  if (isUuid(id)) return { type: 'Transaction', key: id };
  return null;
}
