/**
 * What the server runs for each ledger (issue 24): the Ledger (its group-commit queue), its
 * checkpointed subscribers, hold sweeper and webhook dispatcher. The default ledger's set is
 * started with the server; the others by the registry at their first request.
 */
import { DEFAULT_FEED_POLL_MS } from '../ledger/feed.js';
import { HoldSweeper } from '../ledger/hold-sweeper.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../log.js';
import { defaultSubscribers } from '../subscribers/defaults.js';
import type { SubscriberRunner } from '../subscribers/runner.js';
import { WebhookDispatcher } from '../subscribers/webhook-dispatcher.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from '../subscribers/webhook-settings.js';

export interface LedgerRuntime {
  name: string;
  ledger: Ledger;
  subscribers: SubscriberRunner;
  sweeper: HoldSweeper;
  webhooks: WebhookDispatcher;
}

export interface RuntimeSettings {
  logger?: Logger;
  feedPollMs?: number;
  holdSweepMs?: number;
  webhooks?: Partial<WebhookSettings>;
}

/** Starts a ledger's workers; `subscribers` when the caller brings its own (tests). */
export function startLedgerRuntime(
  name: string,
  ledger: Ledger,
  settings: RuntimeSettings,
  subscribers?: SubscriberRunner,
): LedgerRuntime {
  const runner = subscribers ?? defaultSubscribers(ledger, settings.logger, settings.feedPollMs);
  runner.start();
  const sweeper = new HoldSweeper(ledger, { intervalMs: settings.holdSweepMs, logger: settings.logger });
  sweeper.start();
  const webhooks = new WebhookDispatcher(
    ledger.database,
    ledger.commits,
    { ...DEFAULT_WEBHOOK_SETTINGS, ...settings.webhooks },
    { pollMs: settings.feedPollMs ?? DEFAULT_FEED_POLL_MS, logger: settings.logger },
  );
  webhooks.start();
  return { name, ledger, subscribers: runner, sweeper, webhooks };
}

/** Stops its workers (the sweeper first: it writes), leaving the database open. */
export async function stopLedgerRuntime(runtime: LedgerRuntime): Promise<void> {
  await runtime.sweeper.stop();
  await runtime.webhooks.stop();
  await runtime.subscribers.stop();
}
