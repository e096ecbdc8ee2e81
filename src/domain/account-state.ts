/**
 * Account state as plain JSON, for snapshots. The shape is versioned: change
 * ACCOUNT_STATE_VERSION whenever AccountState or this encoding changes, and every stored
 * snapshot of another version is ignored and rebuilt from events (snapshots are a cache).
 */
import { heldBy, type AccountState, type AccountType, type Leg } from './account.js';
import type { JsonObject } from './json.js';
import { Amount, parseCurrency } from './money.js';

/**
 * 2: open holds (what each reserves and until when). 3: the maximum balance; what each hold brings in.
 * 4: each hold's legs still held and captured so far; what it reserves and brings in is derived
 * from the legs it still holds (heldBy), so it is not stored twice.
 */
export const ACCOUNT_STATE_VERSION = 4;

export interface EncodedAccountState {
  stateVersion: number;
  exists: boolean;
  version: number;
  code?: string;
  name?: string;
  type?: AccountType;
  currency?: string;
  status?: 'OPEN' | 'FROZEN' | 'CLOSED';
  minimumBalance?: string | null;
  maximumBalance?: string | null;
  metadata?: JsonObject | null;
  openedAt?: string;
  debits?: string;
  credits?: string;
  holds?: Record<string, { expiresAt: string | null; legs: Leg[]; captured: Leg[] }>;
}

export function encodeState(state: AccountState): EncodedAccountState {
  if (!state.exists) return { stateVersion: ACCOUNT_STATE_VERSION, exists: false, version: state.version };
  return {
    stateVersion: ACCOUNT_STATE_VERSION,
    exists: true,
    version: state.version,
    code: state.code,
    name: state.name,
    type: state.type,
    currency: state.currency.code,
    status: state.status,
    minimumBalance: state.minimumBalance === null ? null : state.minimumBalance.toString(),
    maximumBalance: state.maximumBalance === null ? null : state.maximumBalance.toString(),
    metadata: state.metadata,
    openedAt: state.openedAt,
    // Full precision, not the currency scale: state is never rounded.
    debits: state.debits.toString(),
    credits: state.credits.toString(),
    holds: Object.fromEntries(
      Object.entries(state.holds).map(([id, h]) => [
        id,
        { expiresAt: h.expiresAt, legs: h.legs, captured: h.captured },
      ]),
    ),
  };
}

/** The state, or null when it was encoded by another state version (the caller replays instead). */
export function decodeState(encoded: EncodedAccountState): AccountState | null {
  if (encoded.stateVersion !== ACCOUNT_STATE_VERSION) return null;
  if (!encoded.exists) return { exists: false, version: 0 };
  return {
    exists: true,
    version: encoded.version,
    code: encoded.code!,
    name: encoded.name!,
    type: encoded.type!,
    currency: parseCurrency(encoded.currency!),
    status: encoded.status!,
    minimumBalance: encoded.minimumBalance == null ? null : new Amount(encoded.minimumBalance),
    maximumBalance: encoded.maximumBalance == null ? null : new Amount(encoded.maximumBalance),
    metadata: encoded.metadata ?? null,
    openedAt: encoded.openedAt!,
    debits: new Amount(encoded.debits!),
    credits: new Amount(encoded.credits!),
    holds: Object.fromEntries(
      Object.entries(encoded.holds ?? {}).map(([id, h]) => [
        id,
        {
          ...heldBy({ code: encoded.code!, type: encoded.type! }, h.legs),
          expiresAt: h.expiresAt,
          legs: h.legs,
          captured: h.captured,
        },
      ]),
    ),
  };
}
