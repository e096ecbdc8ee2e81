/** Every migration, in order. Names sort; once released, a migration is never edited. */
import * as initial from './0001_initial.js';
import * as snapshotsAndAsOf from './0002_snapshots_and_as_of.js';
import * as apiKeys from './0003_api_keys.js';
import * as reversals from './0004_reversals.js';
import * as holds from './0005_holds.js';
import * as subscribers from './0006_subscribers.js';
import * as transactionFirstPosition from './0007_transaction_first_position.js';
import * as metadataIndexes from './0008_metadata_indexes.js';
import * as categories from './0009_categories.js';
import * as entriesAggregateIndexes from './0010_entries_aggregate_indexes.js';
import * as consumers from './0011_consumers.js';
import * as webhooks from './0012_webhooks.js';
import * as prices from './0013_prices.js';
import * as transactionExchanges from './0014_transaction_exchanges.js';
import * as ledgers from './0015_ledgers.js';
import * as apiKeyLedgers from './0016_api_key_ledgers.js';

export const MIGRATIONS = {
  '0001_initial': initial,
  '0002_snapshots_and_as_of': snapshotsAndAsOf,
  '0003_api_keys': apiKeys,
  '0004_reversals': reversals,
  '0005_holds': holds,
  '0006_subscribers': subscribers,
  '0007_transaction_first_position': transactionFirstPosition,
  '0008_metadata_indexes': metadataIndexes,
  '0009_categories': categories,
  '0010_entries_aggregate_indexes': entriesAggregateIndexes,
  '0011_consumers': consumers,
  '0012_webhooks': webhooks,
  '0013_prices': prices,
  '0014_transaction_exchanges': transactionExchanges,
  '0015_ledgers': ledgers,
  '0016_api_key_ledgers': apiKeyLedgers,
};
