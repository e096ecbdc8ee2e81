/** Reading balanceAlerts over server-sent events (graphql-sse), as the monitor suites do. */
import { createClient, type Client } from 'graphql-sse';
import type { AlertView } from '../../src/subscribers/balance-monitors.js';
import type { TestServer } from './server.js';

/** An alert as the suites select it (a subset of AlertView). */
export type Alert = Pick<AlertView, 'id' | 'monitorId' | 'holds' | 'figure' | 'eventPosition'> &
  Partial<Pick<AlertView, 'account' | 'category'>>;

/** Opens clients with the admin key and disposes of them all at the end of a suite. */
export function alertReader(server: () => TestServer) {
  const clients: Client[] = [];
  return {
    /** The first `count` alerts the subscription `query` pushes with these variables. */
    async read(query: string, variables: Record<string, unknown>, count: number): Promise<Alert[]> {
      const client = createClient({
        url: server().url,
        headers: { authorization: `Bearer ${server().adminKey}` },
        retryAttempts: 0,
      });
      clients.push(client);
      const received: Alert[] = [];
      for await (const result of client.iterate<{ balanceAlerts: Alert }>({ query, variables })) {
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        received.push(result.data!.balanceAlerts);
        if (received.length === count) break;
      }
      return received;
    },
    dispose(): void {
      for (const client of clients) client.dispose();
    },
  };
}
