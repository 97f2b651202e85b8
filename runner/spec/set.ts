// `--set path=value` overrides: a dotted path into the config (missing objects created on the way) and a YAML
// scalar value (`epochs=7` → 7, `stratify=true` → true). A path is under `stages.` unless it starts with a top-level
// key (`train.lr` is `stages.train.lr`; `seed`, `vars.x`, `stages.train.lr` as written): setPath decides, for --set
// and --sweep alike. Locations point into the argument itself: file `--set`, line 1, col = position in the argument,
// so problems about a set value show the argument with a caret. A stage that only --set names and that gets no
// `kind` is a typo'd stage id: reported with the nearest existing one, and dropped. A path segment or a key in the
// value named `__proto__`, `constructor` or `prototype` is refused before anything is walked (forbidden-keys.ts).
import { parse } from 'yaml';
import { isPlainObject } from './extends.ts';
import { forbiddenKeyIn, forbiddenSegment } from './forbidden-keys.ts';
import { childPointer, replaceLocations, type LocationMap } from './locations.ts';
import type { Located } from './parse.ts';
import { topLevelKeys } from './schema.ts';
import { closestMatch } from './suggest.ts';
import type { SourceLocation, SpecProblem } from './types.ts';

export const SET_FILE = '--set';

/** The config path a --set or --sweep path names: `train.lr` → `stages.train.lr`; `seed`, `vars.x`, `stages.x` as written. */
export function setPath(path: string): string {
  return topLevelKeys().includes(path.split('.')[0]) ? path : `stages.${path}`;
}

/** True for `vars.NAME=...`, applied before `${vars...}` substitution so that the override reaches every use. */
export function setsVariable(arg: string): boolean {
  return setPath(arg.slice(0, Math.max(0, arg.indexOf('=')))).startsWith('vars.');
}

/** A stage id an argument created, where it is written in the argument. */
interface NewStage {
  id: string;
  at: SourceLocation;
}

/** Applies the arguments in order, in place; a malformed one is a `bad-set` problem and is skipped. */
export function applySets(
  config: Located & { value: Record<string, unknown> },
  args: readonly string[],
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const ids = isPlainObject(config.value.stages) ? Object.keys(config.value.stages) : [];
  const created: NewStage[] = [];
  for (const arg of args) {
    const problem = applySet(config.value, config.locs, arg, created);
    if (problem) problems.push(problem);
  }
  const stages = config.value.stages;
  for (const { id, at } of created) {
    if (
      !isPlainObject(stages) ||
      (isPlainObject(stages[id]) && stages[id].kind !== undefined) ||
      !Object.hasOwn(stages, id)
    )
      continue;
    delete stages[id];
    replaceLocations(config.locs, childPointer('/stages', id), new Map());
    const guess = closestMatch(id, ids);
    problems.push({
      code: 'unknown-stage',
      message: `no stage \`${id}\`${guess !== undefined ? `; did you mean \`${guess}\`?` : ''}`,
      location: at,
      hint: `stages: ${ids.join(', ')}; a new stage needs its kind too (--set stages.${id}.kind=...)`,
    });
  }
  return problems;
}

function applySet(
  root: Record<string, unknown>,
  locs: LocationMap,
  arg: string,
  created: NewStage[],
): SpecProblem | undefined {
  const at = (col: number): SourceLocation => ({ file: SET_FILE, line: 1, col, lineText: arg });
  const bad = (col: number, message: string): SpecProblem => ({
    code: 'bad-set',
    message,
    location: at(col),
    hint: 'expected --set path=value, e.g. --set train.epochs=7 (stages.train.epochs)',
  });
  const eq = arg.indexOf('=');
  if (eq < 0) return bad(arg.length + 1, `--set \`${arg}\` has no \`=\``);
  if (eq === 0) return bad(1, `--set \`${arg}\` has an empty path`);
  const written = arg.slice(0, eq).split('.');
  const cols: number[] = [];
  written.reduce((col, s) => (cols.push(col), col + s.length + 1), 1);
  const empty = written.findIndex((s) => s === '');
  if (empty >= 0) return bad(cols[empty], `--set \`${arg}\` has an empty path segment`);
  const forbidden = forbiddenSegment(written);
  if (forbidden)
    return refused(at(cols[forbidden.index]), `--set \`${arg}\`: the path segment \`${forbidden.key}\` is not allowed`);
  // A short path (`train.lr`) gains its `stages` segment, located at the stage id.
  const segments = setPath(arg.slice(0, eq)).split('.');
  if (segments.length > written.length) cols.unshift(1);

  let node: unknown = root;
  let pointer = '';
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i];
    const next = childPointer(pointer, seg);
    if (isPlainObject(node)) {
      // Own keys only: an inherited `toString` or `hasOwnProperty` is no value of the config.
      if (!Object.hasOwn(node, seg) || node[seg] === undefined || node[seg] === null) {
        if (pointer === '/stages') created.push({ id: seg, at: at(cols[i]) });
        node[seg] = {};
        replaceLocations(locs, next, new Map());
        locs.set(next, { key: at(cols[i]), value: at(cols[i]) });
      }
      node = node[seg];
    } else if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length) {
      node = node[Number(seg)];
    } else {
      return bad(
        cols[i],
        `--set \`${arg}\`: \`${segments.slice(0, i).join('.')}\` is ${describe(node)}, so it has no \`${seg}\``,
      );
    }
    pointer = next;
  }
  const last = segments[segments.length - 1];
  const lastIndex = segments.length - 1;
  const value = parseSetValue(arg.slice(eq + 1));
  const inValue = forbiddenKeyIn(value);
  if (inValue) return refused(at(eq + 2), `--set \`${arg}\`: the value has a key \`${inValue}\`, which is not allowed`);
  if (pointer === '/stages' && isPlainObject(node) && !Object.hasOwn(node, last))
    created.push({ id: last, at: at(cols[lastIndex]) });
  if (isPlainObject(node)) node[last] = value;
  else if (Array.isArray(node) && /^\d+$/.test(last) && Number(last) <= node.length) node[Number(last)] = value;
  else
    return bad(
      cols[lastIndex],
      `--set \`${arg}\`: \`${segments.slice(0, lastIndex).join('.')}\` is ${describe(node)}, so it has no \`${last}\``,
    );
  const path = childPointer(pointer, last);
  replaceLocations(locs, path, new Map());
  locs.set(path, { key: at(cols[lastIndex]), value: at(eq + 2) });
  return undefined;
}

/** A path segment or key that could reach a prototype (forbidden-keys.ts). */
function refused(location: SourceLocation, message: string): SpecProblem {
  return {
    code: 'forbidden-key',
    message,
    location,
    hint: '`__proto__`, `constructor` and `prototype` are never keys of a pipeline',
  };
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
