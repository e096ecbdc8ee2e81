// docs/clients/sse.ts
// graphql-sse: subscriptions over server-sent events, one HTTP request per subscription.
import { type Client, createClient } from 'graphql-sse';
import { LEDGER_EVENTS } from './documents.js';

export function inkwellSubscriptions(url: string, apiKey: string): Client {
  return createClient({ url, headers: { Authorization: `Bearer ${apiKey}` } });
}

export interface LedgerEvent {
  position: number;
  streamId: string;
  type: string;
}

/** Each event after `after`; resume from the last position seen after a disconnect. */
export async function* ledgerEvents(client: Client, after = 0): AsyncGenerator<LedgerEvent> {
  for await (const result of client.iterate<{ ledgerEvents: LedgerEvent }>({
    query: LEDGER_EVENTS,
    variables: { after },
  })) {
    if (result.errors) throw new Error(result.errors.map((e) => e.message).join('; '));
    yield result.data!.ledgerEvents;
  }
}
