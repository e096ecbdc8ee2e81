/** The hash-chain check, as the API shows it. */
import type { IntegrityReport } from '../../reports/integrity.js';
import { builder } from '../builder.js';

export const IntegrityReportRef = builder.objectRef<IntegrityReport>('IntegrityReport').implement({
  description: 'The result of re-hashing the whole event log from the first event.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'True when every stored hash matches the recomputed chain.' }),
    eventsChecked: t.exposeInt('eventsChecked', {
      description: 'Events verified before the first break (all of them when ok).',
    }),
    headHash: t.exposeString('headHash', {
      nullable: true,
      description: 'The hash of the last event, when ok and the log is not empty.',
    }),
    firstBrokenPosition: t.exposeInt('firstBrokenPosition', {
      nullable: true,
      description: 'The first position whose hash does not match.',
    }),
    expectedHash: t.exposeString('expectedHash', {
      nullable: true,
      description: 'The hash recomputed for that position.',
    }),
    actualHash: t.exposeString('actualHash', { nullable: true, description: 'The hash stored at that position.' }),
  }),
});
