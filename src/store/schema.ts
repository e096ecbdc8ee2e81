/** Row types of every table, as Kysely sees them. Times are RFC 3339 UTC text with milliseconds; money is decimal text. */
import type { Generated } from 'kysely';
import type { Role } from '../domain/access.js';
import type { AccountStatus, AccountType, Direction } from '../domain/account.js';
import type { Comparison, Metric, MonitorStatus } from '../domain/monitors.js';

export interface EventsTable {
  position: number;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  effective_at: string;
  transaction_id: string | null;
  hash: string;
}

export interface AccountsTable {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  status: AccountStatus;
  minimum_balance: string | null;
  metadata: string | null;
  opened_at: string;
  debits: string;
  credits: string;
  balance: string;
  version: number;
  last_position: number;
}

export interface TransactionsTable {
  id: string;
  idempotency_key: string;
  /**
   * EXPIRED once the sweeper recorded the hold's expiry (HoldExpired); until then a pending hold
   * past its expiresAt is judged EXPIRED at read time.
   */
  status: 'POSTED' | 'PENDING' | 'VOIDED' | 'EXPIRED';
  effective_at: string;
  recorded_at: string;
  description: string | null;
  metadata: string | null;
  legs: string;
  position: number;
  /** The transaction this one reverses, or null. */
  reverses: string | null;
  /** A hold's expiry, or null. */
  expires_at: string | null;
  /** Its first event's log position (never moves; `position` becomes a hold's commit's). */
  first_position: number;
  /** The conversions it made, canonical JSON (migration 0014); null: none. */
  exchanges: string | null;
}

/** What each open hold reserves on each account it touches (deleted when committed or voided). */
export interface HoldsTable {
  transaction_id: string;
  account_code: string;
  reserved: string;
  expires_at: string | null;
}

export interface EntriesTable {
  position: number;
  leg_index: number;
  account_code: string;
  account_version: number;
  transaction_id: string;
  direction: Direction;
  amount: string;
  currency: string;
  effective_at: string;
  recorded_at: string;
  /** 1 when effective before an earlier posting of the account (backdated), else 0. */
  late: number;
}

export interface IdempotencyTable {
  key: string;
  command: string;
  fingerprint: string;
  result: string;
  position: number;
  created_at: string;
}

export interface SnapshotsTable {
  stream_id: string;
  state_version: number;
  version: number;
  position: number;
  state: string;
}

export interface BalanceEpochsTable {
  account_code: string;
  version: number;
  position: number;
  recorded_at: string;
  /** Running sums of the account's on-time (not late) postings up to this epoch's end. */
  on_time_debits: string;
  on_time_credits: string;
}

export interface LateSumsTable {
  account_code: string;
  level: number;
  node: number;
  position: number;
  debits: string;
  credits: string;
}

export interface ApiKeysTable {
  name: string;
  role: Role;
  /** sha256 of the secret, hex: the secret itself is never stored. */
  key_hash: string;
  /** The first characters of the secret, to tell keys apart in a listing. */
  key_prefix: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  /** The JSON array of the ledgers the key may use; null: every ledger. */
  ledgers: string | null;
}

/** The catalogue of ledgers (read in the default ledger's database only). */
export interface LedgersTable {
  name: string;
  description: string;
  created_at: string;
  created_by: string;
}

/** A checkpointed subscriber's place in the log, per generation (one active; a rebuild builds the next). */
export interface SubscribersTable {
  name: string;
  generation: number;
  position: number;
  active: number;
  started_at: string;
}

/** What one account moved on one day of effective time (UTC), per subscriber generation. */
export interface DailyBalancesTable {
  generation: number;
  account_code: string;
  day: string;
  debits: string;
  credits: string;
}

export interface BalanceMonitorsTable {
  id: string;
  account_code: string;
  metric: Metric;
  comparison: Comparison;
  threshold: string;
  status: MonitorStatus;
  /** 1 while the condition holds (as of the last event evaluated). */
  holds: number;
  /** Events at or before this position happened before the monitor existed. */
  after_position: number;
  created_at: string;
  created_by: string;
  /** A category monitor's category (account_code then holds it too); null for an account's. */
  category_code: string | null;
  /** A category monitor's currency: the members in it are summed. Null for an account's. */
  currency: string | null;
}

export interface BalanceAlertsTable {
  id: Generated<number>;
  monitor_id: string;
  account_code: string;
  /** 1: the condition became true; 0: it stopped holding. */
  holds: number;
  figure: string;
  event_position: number;
  effective_at: string;
  recorded_at: string;
  /** A category monitor's category (account_code then holds it too); null for an account's. */
  category_code: string | null;
}

/** One row per category (migration 0009). */
export interface CategoriesTable {
  code: string;
  name: string;
  created_at: string;
  created_position: number;
  version: number;
  last_position: number;
}

/** One row per membership change: exactly one of account_code and child_code is set. */
export interface CategoryMembershipsTable {
  position: number;
  category_code: string;
  account_code: string | null;
  child_code: string | null;
  /** 1: the member was added; 0: removed. */
  added: number;
  effective_at: string;
  recorded_at: string;
}

/** One row per PriceSet event (migration 0013): the rate as exact decimal text. */
export interface PricesTable {
  position: number;
  base: string;
  quote: string;
  rate: string;
  effective_at: string;
  recorded_at: string;
  /** The version of the pair's stream (`price:<base>:<quote>`) this event has. */
  version: number;
}

/** A metadata path declared searchable (issue 19): its subscriber is `metadata-index:<target>:<path>`. */
export interface MetadataIndexesTable {
  target: 'TRANSACTION' | 'ACCOUNT';
  path: string;
  /** The head when it was declared: the index is READY once its subscriber has passed it. */
  created_position: number;
  created_at: string;
  created_by: string;
}

/** A subject's value at an indexed path between two log positions: [from, to), to null while it holds. */
export interface MetadataValuesTable {
  index_name: string;
  generation: number;
  /** A transaction id, or an account code. */
  subject: string;
  /** domain/metadata.ts indexedValue. */
  value: string;
  from_position: number;
  to_position: number | null;
}

/** A durable consumer (ledger/consumers.ts): a server-side cursor over the log. */
export interface ConsumersTable {
  name: string;
  /** The EventFilterInput as given, canonical JSON (checked again when read). */
  filter: string;
  start_position: number;
  /** Every position at or before it has been handed out, or skipped as not matching. */
  frontier: number;
  /** Every matching event at or before it is acknowledged: the start of the oldest lease, else the frontier. */
  cursor: number;
  /** This consumer's ack window; null: the server's (INKWELL_CONSUMER_ACK_MS). */
  ack_timeout_ms: number | null;
  created_at: string;
  created_by: string;
}

/** A webhook: where it sends, what, with which secrets, and how far its receiver has acknowledged. */
export interface WebhooksTable {
  id: string;
  url: string;
  description: string;
  /** The event filter as JSON; null: every event. */
  filter: string | null;
  /** The signing secret, whsec_<base64>: kept to sign, never returned by a query. */
  secret: string;
  /** The secret before the last rotation, also signed with until previous_secret_until. */
  previous_secret: string | null;
  previous_secret_until: string | null;
  /** ACTIVE, PAUSED or FAILING. */
  status: string;
  /** The checkpoint: the last log position acknowledged (or skipped by the filter). */
  position: number;
  /** Bumped by a replay: a delivery begun before it does not move the checkpoint. */
  epoch: number;
  /** The delivery log row of the event being sent now; null between events. */
  delivery_id: number | null;
  /** Failed attempts at the event being sent now. */
  attempts: number;
  /** When the event being sent now first failed; null while nothing fails. */
  failing_since: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  /** The process delivering it, until lease_until (one process at a time per webhook). */
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  created_by: string;
}

/** A batch handed out and not yet acknowledged: the log range (after, through], due back at expires_at. */
export interface ConsumerLeasesTable {
  consumer: string;
  after_position: number;
  through_position: number;
  expires_at: string;
  /** How many times the range has been handed out (1: once). */
  deliveries: number;
}

/** One event sent to a webhook (again after a replay): its attempts and the last answer. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_position: number;
  event_type: string;
  /** The webhook-id header: the same for every attempt, so receivers can deduplicate. */
  message_id: string;
  /** PENDING, SUCCEEDED or FAILED (the webhook parked on it). */
  status: string;
  attempts: number;
  response_code: number | null;
  /** The first WEBHOOK_RESPONSE_BODY_BYTES of the last answer. */
  response_body: string | null;
  error: string | null;
  created_at: string;
  last_attempt_at: string;
  next_attempt_at: string | null;
}

export interface Schema {
  events: EventsTable;
  accounts: AccountsTable;
  transactions: TransactionsTable;
  entries: EntriesTable;
  idempotency: IdempotencyTable;
  snapshots: SnapshotsTable;
  balance_epochs: BalanceEpochsTable;
  late_sums: LateSumsTable;
  api_keys: ApiKeysTable;
  ledgers: LedgersTable;
  holds: HoldsTable;
  subscribers: SubscribersTable;
  daily_balances: DailyBalancesTable;
  balance_monitors: BalanceMonitorsTable;
  balance_alerts: BalanceAlertsTable;
  metadata_indexes: MetadataIndexesTable;
  metadata_values: MetadataValuesTable;
  categories: CategoriesTable;
  category_memberships: CategoryMembershipsTable;
  consumers: ConsumersTable;
  consumer_leases: ConsumerLeasesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  prices: PricesTable;
}
