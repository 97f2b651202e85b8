// Why a stage will run again: the leaves that differ between the tree of its last run and the tree now.
//   diffTrees(last, now) → [{path: 'params.min_freq', change: 'changed', old: 5, new: 3},
//                           {path: 'inputs.input', change: 'changed', old: '3f2a…', new: '9c0d…'},
//                           {path: 'backend', change: 'added', new: 'wasm'}]
// Objects are walked key by key; arrays and scalars are compared whole (canonically), so a changed list shows as
// one line with both values. Paths join keys with dots as they are (files./data/imdb.csv.gz): readers that split on
// the first dot get the section; `segments` holds the keys unambiguously.
import { canonicalJson } from './canonical.ts';
import type { FingerprintTree } from './fingerprint-tree.ts';

export interface TreeChange {
  /** Dotted path from the tree root, e.g. 'params.min_freq', 'inputs.input', 'version', 'files.data/a.csv'. */
  path: string;
  /** The same path as keys (a key may itself hold dots, e.g. a file name). */
  segments: string[];
  change: 'added' | 'removed' | 'changed';
  /** Absent when change is 'added'. */
  old?: unknown;
  /** Absent when change is 'removed'. */
  new?: unknown;
}

export function diffTrees(oldTree: FingerprintTree, newTree: FingerprintTree): TreeChange[] {
  const changes: TreeChange[] = [];
  diffValues(oldTree, newTree, [], changes);
  return changes;
}

function diffValues(a: unknown, b: unknown, segments: string[], out: TreeChange[]): void {
  const path = segments.join('.');
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const at = [...segments, key];
      const [inA, inB] = [a[key] !== undefined, b[key] !== undefined];
      if (inA && !inB) out.push({ path: at.join('.'), segments: at, change: 'removed', old: a[key] });
      else if (!inA && inB) out.push({ path: at.join('.'), segments: at, change: 'added', new: b[key] });
      else if (inA && inB) diffValues(a[key], b[key], at, out);
    }
    return;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push({ path, segments, change: 'changed', old: a, new: b });
}

/** One line for `tfpipe status`: "params.min_freq: 5 → 3", "backend: added wasm". Hashes are shortened. */
export function formatTreeChange(change: TreeChange): string {
  switch (change.change) {
    case 'changed':
      return `${change.path}: ${show(change.old)} → ${show(change.new)}`;
    case 'added':
      return `${change.path}: added ${show(change.new)}`;
    case 'removed':
      return `${change.path}: removed (was ${show(change.old)})`;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 10)}…`;
  return canonicalJson(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
