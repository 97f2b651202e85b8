// `--sweep train.lr=1e-3,3e-3 --sweep train.bidirectional=true,false`: the product of the listed values, each
// combination applied like --set. Paths are read as --set reads them (setPath: `train.lr` is `stages.train.lr`; a
// path that starts with a top-level key, `stages.`, `vars.`, `seed`, is taken as written). The first --sweep varies
// slowest.
//   parseSweeps(['train.lr=1e-3,3e-3']) → {ok, axes: [{path: 'stages.train.lr', values: ['1e-3', '3e-3']}]}
//   sweepCombinations(axes) → [['stages.train.lr=1e-3'], ['stages.train.lr=3e-3']]
import { forbiddenKeyIn, forbiddenSegment } from '../spec/forbidden-keys.ts';
import { parseSetValue, setPath } from '../spec/set.ts';

export interface SweepAxis {
  path: string;
  /** Values as written (YAML scalars, or flow lists like `[64, 32]`), applied with --set. */
  values: string[];
}

export type SweepParse = { ok: true; axes: SweepAxis[] } | { ok: false; error: string };

export function parseSweeps(args: readonly string[]): SweepParse {
  const axes: SweepAxis[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const rawPath = eq < 0 ? '' : arg.slice(0, eq).trim();
    if (eq < 0 || rawPath === '')
      return { ok: false, error: `--sweep \`${arg}\`: expected PATH=V1,V2,..., e.g. --sweep train.lr=1e-3,3e-3` };
    const forbidden = forbiddenSegment(rawPath.split('.'));
    if (forbidden)
      return {
        ok: false,
        error: `--sweep \`${arg}\`: the path segment \`${forbidden.key}\` is not allowed (\`__proto__\`, \`constructor\` and \`prototype\` are never keys of a pipeline)`,
      };
    const values = splitTopLevel(arg.slice(eq + 1));
    if (values.some((v) => v === '')) return { ok: false, error: `--sweep \`${arg}\` has an empty value` };
    const inValue = values.map((v) => forbiddenKeyIn(parseSetValue(v))).find((k) => k !== undefined);
    if (inValue)
      return { ok: false, error: `--sweep \`${arg}\`: a value has a key \`${inValue}\`, which is not allowed` };
    const path = setPath(rawPath);
    if (axes.some((a) => a.path === path))
      return { ok: false, error: `--sweep names \`${path}\` twice; list all its values in one --sweep` };
    axes.push({ path, values });
  }
  return { ok: true, axes };
}

/** Every combination as --set arguments, in order; [] for no axes. */
export function sweepCombinations(axes: readonly SweepAxis[]): string[][] {
  if (axes.length === 0) return [];
  let combos: string[][] = [[]];
  for (const axis of axes)
    combos = combos.flatMap((prefix) => axis.values.map((v) => [...prefix, `${axis.path}=${v}`]));
  return combos;
}

/** `['stages.train.lr=1e-3']` → `{'stages.train.lr': 0.001}` (values parsed as --set parses them). */
export function assignmentsOf(sets: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(sets.map((s) => [s.slice(0, s.indexOf('=')), parseSetValue(s.slice(s.indexOf('=') + 1))]));
}

/** Splits on commas outside [] and {} and quotes, so `[64,32],[128]` is two values. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth += 1;
    else if (ch === ']' || ch === '}') depth -= 1;
    else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}
