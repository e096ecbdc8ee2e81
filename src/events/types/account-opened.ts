/** AccountOpened: the first event of every account stream. */
import { ACCOUNT_TYPES } from '../../domain/account.js';
import { jsonObject, nullable, object, oneOf, optional, string } from '../schema-check.js';
import { accountCode, currency, decimal, type EventVersion } from './shared.js';

export const ACCOUNT_OPENED: EventVersion[] = [
  {
    changes: 'First shape: the account type was a lower-case `kind`; no metadata, no balance bound.',
    validate: object({
      code: accountCode,
      name: string(),
      kind: oneOf('asset', 'liability', 'equity', 'revenue', 'expense'),
      currency,
    }),
    upcast: ({ kind, ...rest }) => ({ ...rest, type: String(kind).toUpperCase(), metadata: null }),
  },
  {
    changes: '`kind` renamed `type` and upper-cased (the GraphQL enum); `metadata` added (null before).',
    validate: object({
      code: accountCode,
      name: string(),
      type: oneOf(...ACCOUNT_TYPES),
      currency,
      metadata: nullable(jsonObject),
    }),
    upcast: (data) => ({ ...data, minimumBalance: null }),
  },
  {
    changes:
      '`minimumBalance` added: the lowest normal-side balance allowed, at the currency scale; null (unbounded) before. ' +
      'Later, `maximumBalance` (optional: written only when set; absent means unbounded): the highest allowed.',
    validate: object({
      code: accountCode,
      name: string(),
      type: oneOf(...ACCOUNT_TYPES),
      currency,
      minimumBalance: nullable(decimal),
      maximumBalance: optional(decimal),
      metadata: nullable(jsonObject),
    }),
  },
];
