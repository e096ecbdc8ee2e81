/**
 * A tiny structural validator for stored event payloads. A failing check throws an
 * InvalidField; each enclosing object or array adds its key to the path on the way out, so a
 * valid payload (every event read) builds no path strings at all. `validate` gives the message
 * naming the path that is wrong; the catalogue adds the event's position.
 */
import { isDeepFrozen } from '../domain/json.js';

export type Check = (value: unknown) => void;

/** A check's failure: what was wrong, and where (filled in by the enclosing checks). */
export class InvalidField extends Error {
  readonly path: Array<string | number> = [];
  constructor(readonly problem: string) {
    super(problem);
  }
}

export const fail = (problem: string): never => {
  throw new InvalidField(problem);
};

/** Runs a check on a whole payload; throws an Error whose message names the path ("data" at the top). */
export function validate(check: Check, value: unknown): void {
  try {
    check(value);
  } catch (error) {
    if (!(error instanceof InvalidField)) throw error;
    const path = error.path
      .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`))
      .join('');
    throw new Error(`${path || 'data'}: ${error.problem}`);
  }
}

/** A failure of the member `key` itself (missing, or not expected). */
function failAt(key: string, problem: string): never {
  const error = new InvalidField(problem);
  error.path.push(key);
  throw error;
}

/** Runs `check` on a member, adding `key` to the path of a failure. */
function member(check: Check, value: unknown, key: string | number): void {
  try {
    check(value);
  } catch (error) {
    if (error instanceof InvalidField) error.path.unshift(key);
    throw error;
  }
}

export const string =
  (pattern?: RegExp): Check =>
  (value) => {
    if (typeof value !== 'string' || (pattern && !pattern.test(value)))
      fail(`expected ${pattern ? `a string matching ${pattern}` : 'a string'}`);
  };

export const integer: Check = (value) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail('expected an integer');
};

export const boolean: Check = (value) => {
  if (typeof value !== 'boolean') fail('expected true or false');
};

export const oneOf =
  (...allowed: string[]): Check =>
  (value) => {
    if (typeof value !== 'string' || !allowed.includes(value)) fail(`expected one of ${allowed.join(', ')}`);
  };

export const nullable =
  (check: Check): Check =>
  (value) => {
    if (value !== null) check(value);
  };

export const jsonObject: Check = (value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
};

export const array =
  (item: Check, minLength = 0): Check =>
  (value) => {
    if (!Array.isArray(value) || value.length < minLength) fail(`expected an array of at least ${minLength}`);
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) member(item, items[i], i);
  };

/** Checks that `object` lets be absent: a field added to the current version, absent in rows written before it. */
const OPTIONAL = new WeakSet<Check>();

/** The member may be absent (meaning null); when present it passes `check`. */
export const optional = (check: Check): Check => {
  const wrapped: Check = (value) => check(value);
  OPTIONAL.add(wrapped);
  return wrapped;
};

/** Exactly these keys (but optional ones): an unexpected key in a stored event is as suspicious as a missing one. */
export const object = (shape: Record<string, Check>): Check => {
  const keys = Object.keys(shape);
  // A value frozen all the way down that passed once passes forever: a posting's record is
  // embedded in the event of each account it touches, and a 100-leg one was checked 100 times.
  const passed = new WeakSet<object>();
  return (value) => {
    if (typeof value === 'object' && value !== null && passed.has(value)) return;
    jsonObject(value);
    const record = value as Record<string, unknown>;
    for (const key in record) if (!(key in shape)) failAt(key, 'no such field');
    for (const key of keys) {
      if (!(key in record)) {
        if (OPTIONAL.has(shape[key]!)) continue;
        failAt(key, 'a value (field missing)');
      }
      member(shape[key]!, record[key], key);
    }
    if (isDeepFrozen(record)) passed.add(record);
  };
};
