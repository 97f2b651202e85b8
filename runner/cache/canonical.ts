// Canonical JSON: the one byte string a value hashes to, whatever order its keys were written in.
//   - object keys sorted (by UTF-16 code unit, like Array.prototype.sort) at every depth
//   - no whitespace; strings and numbers exactly as JSON.stringify writes them (-0 becomes 0)
//   - object members whose value is undefined are dropped (an absent optional field and `undefined` hash alike)
// Anything JSON cannot represent faithfully is rejected rather than silently changed, because a cache key that
// quietly turns NaN into null would make two different configurations share one entry:
// undefined (outside an object member), functions, symbols, bigints, NaN/±Infinity, and non-plain objects
// (Map, Set, Date, class instances), which JSON.stringify would flatten or drop.

export class CanonicalJsonError extends Error {
  /** Where the bad value sits, as a dotted path from the root ('' is the root itself). */
  readonly path: string;
  constructor(path: string, what: string) {
    super(`cannot fingerprint ${what} at ${path === '' ? 'the root' : `\`${path}\``}: only JSON values are allowed`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

export function canonicalJson(value: unknown): string {
  return encode(value, '', new Set());
}

/** A JSON-clean deep copy of `value` (undefined members dropped), or a CanonicalJsonError. */
export function toCanonicalValue<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function encode(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, String(value));
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
    case 'bigint':
      throw new CanonicalJsonError(path, `a ${typeof value}`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.has(obj)) throw new CanonicalJsonError(path, 'a circular reference');
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((item, i) => encode(item, join(path, String(i)), ancestors)).join(',')}]`;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalJsonError(path, `a ${obj.constructor?.name ?? 'non-plain'} object`);
    }
    const record = obj as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${encode(record[key], join(path, key), ancestors)}`);
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(obj);
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
