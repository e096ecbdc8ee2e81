/**
 * A tiny structural validator for stored event payloads. Each check throws a message
 * naming the path that is wrong; the catalogue adds the event's position.
 */
export type Check = (value: unknown, path: string) => void;

const fail = (path: string, expected: string): never => {
  throw new Error(`${path || 'data'}: expected ${expected}`);
};

export const string =
  (pattern?: RegExp): Check =>
  (value, path) => {
    if (typeof value !== 'string' || (pattern && !pattern.test(value))) fail(path, pattern ? `a string matching ${pattern}` : 'a string');
  };

export const integer: Check = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'an integer');
};

export const oneOf =
  (...allowed: string[]): Check =>
  (value, path) => {
    if (typeof value !== 'string' || !allowed.includes(value)) fail(path, `one of ${allowed.join(', ')}`);
  };

export const nullable =
  (check: Check): Check =>
  (value, path) => {
    if (value !== null) check(value, path);
  };

export const jsonObject: Check = (value, path) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'a JSON object');
};

export const array =
  (item: Check, minLength = 0): Check =>
  (value, path) => {
    if (!Array.isArray(value) || value.length < minLength) fail(path, `an array of at least ${minLength}`);
    (value as unknown[]).forEach((element, i) => item(element, `${path}[${i}]`));
  };

/** Exactly these keys: an unexpected key in a stored event is as suspicious as a missing one. */
export const object =
  (shape: Record<string, Check>): Check =>
  (value, path) => {
    jsonObject(value, path);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!(key in shape)) fail(`${path}.${key}`, 'no such field');
    for (const [key, check] of Object.entries(shape)) {
      if (!(key in record)) fail(`${path}.${key}`, 'a value (field missing)');
      check(record[key], path ? `${path}.${key}` : key);
    }
  };
