// Keys that could reach a prototype: `__proto__`, `constructor`, `prototype`. A config is plain data walked with
// `node[key]`: `--set __proto__.polluted=1` used to write Object.prototype.polluted (then ajv crashed), and a YAML
// `__proto__:` key merged by `extends` would set a mapping's prototype. So these names are refused wherever a user
// writes a key: in YAML (every mapping, any depth, with file:line:col), in --set and --sweep paths (naming the
// flag), and in the flow mappings a --set value may be (`--set 'x={__proto__: {}}'`).
import { pointerSegments, type LocationMap } from './locations.ts';
import type { SpecProblem } from './types.ts';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const HINT = '`__proto__`, `constructor` and `prototype` are never keys of a pipeline; rename it';

/** One problem per mapping key in a parsed file named `__proto__`, `constructor` or `prototype`, at the key. */
export function forbiddenKeyProblems(locs: LocationMap): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [pointer, loc] of locs) {
    const segments = pointerSegments(pointer);
    const key = segments[segments.length - 1];
    if (loc.key && key !== undefined && FORBIDDEN_KEYS.has(key)) {
      problems.push({ code: 'forbidden-key', message: `key \`${key}\` is not allowed`, location: loc.key, hint: HINT });
    }
  }
  return problems;
}

/** The first forbidden segment of a dotted --set / --sweep path, with its index; undefined when there is none. */
export function forbiddenSegment(segments: readonly string[]): { index: number; key: string } | undefined {
  const index = segments.findIndex((s) => FORBIDDEN_KEYS.has(s));
  return index < 0 ? undefined : { index, key: segments[index] };
}

/** The first forbidden key anywhere inside a value (a --set flow mapping), as a dotted path; undefined if none. */
export function forbiddenKeyIn(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = forbiddenKeyIn(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const child = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return child;
      const found = forbiddenKeyIn((value as Record<string, unknown>)[key], child);
      if (found) return found;
    }
  }
  return undefined;
}
