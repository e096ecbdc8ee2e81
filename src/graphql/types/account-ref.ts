import type { AccountView } from '../../ledger/queries.js';
import { builder } from '../builder.js';

/** Declared apart from its fields so that Entry and Account can refer to each other. */
export const AccountRef = builder.objectRef<AccountView>('Account');
