// `--set path=value` overrides: a dotted path into the config (missing objects created on the way) and a YAML
// scalar value (`epochs=7` → 7, `stratify=true` → true). Locations point into the argument itself: file `--set`,
// line 1, col = position in the argument, so schema problems about a set value show the argument with a caret.
import { parse } from 'yaml';
import { isPlainObject } from './extends.ts';
import { childPointer, replaceLocations, type LocationMap } from './locations.ts';
import type { Located } from './parse.ts';
import type { SourceLocation, SpecProblem } from './types.ts';

export const SET_FILE = '--set';

/** True for `vars.NAME=...`, applied before `${vars...}` substitution so that the override reaches every use. */
export function setsVariable(arg: string): boolean {
  return arg.startsWith('vars.');
}

/** Applies the arguments in order, in place; a malformed one is a `bad-set` problem and is skipped. */
export function applySets(config: Located & { value: Record<string, unknown> }, args: readonly string[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const arg of args) {
    const problem = applySet(config.value, config.locs, arg);
    if (problem) problems.push(problem);
  }
  return problems;
}

function applySet(root: Record<string, unknown>, locs: LocationMap, arg: string): SpecProblem | undefined {
  const at = (col: number): SourceLocation => ({ file: SET_FILE, line: 1, col, lineText: arg });
  const bad = (col: number, message: string): SpecProblem => ({ code: 'bad-set', message, location: at(col), hint: 'expected --set path=value, e.g. --set stages.train.epochs=7' });
  const eq = arg.indexOf('=');
  if (eq < 0) return bad(arg.length + 1, `--set \`${arg}\` has no \`=\``);
  if (eq === 0) return bad(1, `--set \`${arg}\` has an empty path`);
  const segments = arg.slice(0, eq).split('.');
  const cols: number[] = [];
  segments.reduce((col, s) => (cols.push(col), col + s.length + 1), 1);
  const empty = segments.findIndex((s) => s === '');
  if (empty >= 0) return bad(cols[empty], `--set \`${arg}\` has an empty path segment`);

  let node: unknown = root;
  let pointer = '';
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i];
    const next = childPointer(pointer, seg);
    if (isPlainObject(node)) {
      if (node[seg] === undefined || node[seg] === null) {
        node[seg] = {};
        replaceLocations(locs, next, new Map());
        locs.set(next, { key: at(cols[i]), value: at(cols[i]) });
      }
      node = node[seg];
    } else if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length) {
      node = node[Number(seg)];
    } else {
      return bad(cols[i], `--set \`${arg}\`: \`${segments.slice(0, i).join('.')}\` is ${describe(node)}, so it has no \`${seg}\``);
    }
    pointer = next;
  }
  const last = segments[segments.length - 1];
  const lastIndex = segments.length - 1;
  const value = parseSetValue(arg.slice(eq + 1));
  if (isPlainObject(node)) node[last] = value;
  else if (Array.isArray(node) && /^\d+$/.test(last) && Number(last) <= node.length) node[Number(last)] = value;
  else return bad(cols[lastIndex], `--set \`${arg}\`: \`${segments.slice(0, lastIndex).join('.')}\` is ${describe(node)}, so it has no \`${last}\``);
  const path = childPointer(pointer, last);
  replaceLocations(locs, path, new Map());
  locs.set(path, { key: at(cols[lastIndex]), value: at(eq + 2) });
  return undefined;
}

/** A YAML scalar (`7`, `true`, `null`, `"quoted"`), or a flow list/map when written as one (`[a, b]`). */
export function parseSetValue(text: string): unknown {
  try {
    const value = parse(text) as unknown;
    if (typeof value !== 'object' || value === null || /^\s*[[{]/.test(text)) return value;
  } catch {
    // Not valid YAML (e.g. `@x`): keep the text as written.
  }
  return text;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  return `${v === null ? 'null' : `a ${typeof v}`} (${String(v)})`;
}
