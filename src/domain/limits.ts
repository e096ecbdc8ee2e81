/** The input rules of docs/api.md: sizes and shapes every command checks before anything else. */
import { ValidationError } from './errors.js';
import { canonicalJson, type JsonObject } from './json.js';

export const LIMITS = {
  codeLength: 128,
  nameLength: 200,
  descriptionLength: 1000,
  metadataBytes: 16 * 1024,
  idempotencyKeyLength: 128,
} as const;

const CODE = /^[a-z0-9_-]+(:[a-z0-9_-]+)*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function checkCode(code: string, field = 'code'): string {
  if (code.length > LIMITS.codeLength) throw new ValidationError(field, `at most ${LIMITS.codeLength} characters`);
  if (!CODE.test(code)) {
    throw new ValidationError(field, `"${printable(code)}" is not an account code: lowercase a-z, 0-9, "_" and "-", segments joined by ":"`);
  }
  return code;
}

export function checkName(name: string): string {
  if (name.trim().length === 0) throw new ValidationError('name', 'must not be blank');
  if (name.length > LIMITS.nameLength) throw new ValidationError('name', `at most ${LIMITS.nameLength} characters`);
  if (hasControl(name)) throw new ValidationError('name', 'control characters are not allowed');
  return name;
}

export function checkDescription(description: string | null | undefined): string | null {
  if (description == null) return null;
  if (description.length > LIMITS.descriptionLength) {
    throw new ValidationError('description', `at most ${LIMITS.descriptionLength} characters`);
  }
  if (hasControl(description.replace(/[\n\t]/g, ''))) throw new ValidationError('description', 'control characters are not allowed');
  return description;
}

export function checkMetadata(metadata: unknown): JsonObject | null {
  if (metadata == null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new ValidationError('metadata', 'must be a JSON object');
  const bytes = new TextEncoder().encode(canonicalJson(metadata)).length;
  if (bytes > LIMITS.metadataBytes) throw new ValidationError('metadata', `at most ${LIMITS.metadataBytes} bytes as JSON, not ${bytes}`);
  return metadata as JsonObject;
}

export function checkIdempotencyKey(key: string): string {
  if (key.length < 1 || key.length > LIMITS.idempotencyKeyLength || !PRINTABLE_ASCII.test(key)) {
    throw new ValidationError('idempotencyKey', `1 to ${LIMITS.idempotencyKeyLength} printable ASCII characters`);
  }
  return key;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
function hasControl(text: string): boolean {
  return CONTROL.test(text);
}

/** Echo user text in an error without letting control characters through. */
function printable(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return shown.replace(/[^\x20-\x7e]/g, '?');
}
