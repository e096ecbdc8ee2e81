/**
 * The input limits as the schema's descriptions state them, built from the constants that
 * enforce them (domain/limits.ts and friends): a number is written once, in code.
 */
import {
  DEFAULT_PAGE_SIZE,
  LIMITS,
  MAX_CUSTOM_SCALE,
  MAX_KEY_NAME_LENGTH,
  MAX_LEGS,
  MAX_PAGE_SIZE,
  MIN_LEGS,
} from '../domain/limits.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../ledger/ledger.js';

const n = (value: number) => value.toLocaleString('en-US');

export const SAY = {
  idempotencyKey: `1 to ${LIMITS.idempotencyKeyLength} printable ASCII characters`,
  description: `${n(LIMITS.descriptionLength)} characters`,
  metadata: `${LIMITS.metadataBytes / 1024} KiB`,
  name: `at most ${LIMITS.nameLength} characters`,
  code: `at most ${LIMITS.codeLength} characters`,
  legs: `${MIN_LEGS} to ${MAX_LEGS} legs`,
  futureSkew: `not more than ${DEFAULT_MAX_FUTURE_SKEW_MS / 60_000} minutes ahead`,
  customScale: `scale at most ${MAX_CUSTOM_SCALE}`,
  pageSize: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
  keyName: `1 to ${MAX_KEY_NAME_LENGTH} characters`,
} as const;
