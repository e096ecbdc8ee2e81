/**
 * Fields that carry audit data on objects every reader may list. Which API key created a
 * monitor, a consumer or an index names a key: key names are audit data (docs/security.md), so
 * like LedgerEvent.metadata they answer auditor and admin keys only; others get FORBIDDEN on
 * that field (null) and the rest of the object as before.
 */
import type { InkwellTypes } from './builder.js';

export function createdByField<Parent extends { createdBy: string }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<InkwellTypes, Parent>,
  what: string,
) {
  return t.string({
    nullable: true,
    authScopes: { audit: true },
    description: `The API key that ${what} it: for auditor and admin keys; others get a FORBIDDEN error here.`,
    resolve: (parent) => parent.createdBy,
  });
}
