// A recorded run's values by key, for the columns of `tfpipe runs`, --sort and --filter. A key is a metric,
// `evaluate.test_acc` (stage id, metric name), or a param, `train.lr` (a config path read as --set reads it, so
// `stages.train.lr`; `seed` as written):
//   resolveKey(records, 'evaluate.test_acc') → {type: 'metric', stage: 'evaluate', metric: 'test_acc', ...}
//   resolveKey(records, 'train.lr')          → {type: 'param', path: ['stages', 'train', 'lr'], ...}
//   differingParams(records)                 → [['stages', 'train', 'lr']]  (params not the same in every run)
import { setPath } from '../spec/set.ts';
import { isCosmetic } from './compare.ts';
import type { RunRecord } from './record.ts';

export type RunKey =
  { type: 'metric'; text: string; stage: string; metric: string } | { type: 'param'; text: string; path: string[] };

/**
 * `text` as a metric when a listed run records that metric and the key does not start with `stages.` (so
 * `stages.train.epochs` names the param where train also reports an `epochs` metric), else as a param some listed
 * run has; undefined when it is neither.
 */
export function resolveKey(records: readonly RunRecord[], text: string): RunKey | undefined {
  const dot = text.indexOf('.');
  if (dot > 0 && !text.startsWith('stages.')) {
    const [stage, metric] = [text.slice(0, dot), text.slice(dot + 1)];
    if (records.some((r) => r.stages.some((s) => s.id === stage && Object.hasOwn(s.metrics, metric))))
      return { type: 'metric', text, stage, metric };
  }
  const path = setPath(text).split('.');
  return records.some((r) => valueAt(r.config, path) !== undefined) ? { type: 'param', text, path } : undefined;
}

/** The run's value for `key`; undefined when it has none (a stage that did not run, a param it lacks). */
export function valueOf(record: RunRecord, key: RunKey): unknown {
  if (key.type === 'param') return valueAt(record.config, key.path);
  return record.stages.find((s) => s.id === key.stage)?.metrics[key.metric];
}

/** Config paths whose values differ among the runs (a run lacking one counts), in the order the configs have them. */
export function differingParams(records: readonly RunRecord[]): string[][] {
  const leaves = records.map((r) => configLeaves(r.config));
  const paths = new Map(leaves.flatMap((l) => [...l.values()].map(({ path }) => [JSON.stringify(path), path])));
  return [...paths].filter(([id]) => new Set(leaves.map((l) => l.get(id)?.json)).size > 1).map(([, path]) => path);
}

/** A param key as a table heads it and --sort takes it: `train.lr` for stages.train.lr, `seed` for seed. */
export function paramKey(path: readonly string[]): RunKey {
  return { type: 'param', text: (path[0] === 'stages' ? path.slice(1) : path).join('.'), path: [...path] };
}

/** Every leaf (scalar or list) of a config, keyed by its path as JSON, leaving out what changes no result. */
function configLeaves(config: Record<string, unknown>): Map<string, { path: string[]; json: string }> {
  const out = new Map<string, { path: string[]; json: string }>();
  const walk = (value: unknown, path: string[]) => {
    if (path.length > 0 && isCosmetic(path)) return;
    if (isPlainRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else if (value !== undefined) out.set(JSON.stringify(path), { path, json: JSON.stringify(value) });
  };
  walk(config, []);
  return out;
}

function valueAt(config: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = config;
  for (const key of path) {
    if (!isPlainRecord(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
