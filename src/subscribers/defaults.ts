/** The checkpointed subscribers every server runs (and every metadata index declared) (and `inkwell subscribers rebuild` can rebuild). */
import type { Ledger } from '../ledger/ledger.js';
import { stderrLogger, type Logger } from '../log.js';
import { balanceMonitors } from './balance-monitors.js';
import { dailyBalances } from './daily-balances.js';
import { metadataIndexSubscribers } from './metadata-index.js';
import { SubscriberRunner } from './runner.js';

export function defaultSubscribers(ledger: Ledger, logger: Logger = stderrLogger, pollMs?: number): SubscriberRunner {
  return new SubscriberRunner(ledger.database, ledger.commits, [dailyBalances, balanceMonitors], {
    logger,
    pollMs,
    discover: metadataIndexSubscribers,
  });
}
