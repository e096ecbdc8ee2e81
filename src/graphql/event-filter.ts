/**
 * EventFilterInput (issue 21, point 2): which events a feed delivers, shared by ledgerEvents,
 * webhooks and durable consumers. The rules live in domain/event-filter.ts; this is the GraphQL
 * input and its conversion.
 */
import { checkEventFilter, type EventFilter, type EventFilterInput } from '../domain/event-filter.js';
import { EVENT_TYPES } from '../events/event-match.js';
import { builder } from './builder.js';
import { MetadataPredicateRef } from './metadata.js';

export const EventFilterInputRef = builder.inputType('EventFilterInput', {
  description:
    'Which events of the log to deliver: every field given must hold (AND); omitted or empty, every event. Judged on each event as stored, so metadata predicates need no index.',
  fields: (t) => ({
    types: t.stringList({
      description:
        'Events of any of these types (the event catalogue: "TransactionPosted", "AccountOpened", …); an unknown type is refused.',
    }),
    accountPrefix: t.string({
      description:
        'Events on the stream of this account or any account below it, or naming one (a transaction’s or hold’s legs, a category member).',
    }),
    accountPattern: t.string({
      description:
        'Events on the stream of, or naming, an account matching: code segments, "*" for one segment, "**" for any number.',
    }),
    metadata: t.field({
      type: [MetadataPredicateRef],
      description:
        'Predicates on the metadata the event carries (a transaction’s, a hold’s, an account’s); an event that carries none passes only `exists: false`. No index is needed here.',
    }),
  }),
});

/**
 * The checked domain filter (a ValidationError when a part breaks a rule: mutations answer it as
 * data, arguments wrap it with asInput). Null or undefined is the empty filter: every event.
 */
export function toEventFilter(input: EventFilterInput | null | undefined, field = 'filter'): EventFilter {
  return checkEventFilter(input, EVENT_TYPES, field);
}
