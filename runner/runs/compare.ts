// What `tfpipe diff` compares, as pure functions of two sides (a pipeline file or a recorded run, see sides.ts):
//   diffConfigs(a, b)    → [{path: 'stages.train.bidirectional', old: false, new: true}]
//   compareStages(a, b)  → [{id: 'vocab', status: 'shared'}, {id: 'train', status: 'differs',
//                            cause: {type: 'param', path: 'stages.train.bidirectional', old: false, new: true}},
//                           {id: 'evaluate', status: 'differs', cause: {type: 'upstream', stage: 'train', root: <train's>}}]
//   compareMetrics(a, b) → [{stage: 'evaluate', metric: 'test_acc', a: 0.81, b: 0.84, delta: 0.03, relative: 0.037}]
//   diffSides(a, b)      → all three, the metrics ordered as diff shows them (metric-order.ts)
import type { FingerprintTree } from '../cache/fingerprint-tree.ts';
import { diffTrees, type TreeChange } from '../cache/tree-diff.ts';
import { orderMetrics, type MetricComparison, type OrderedMetric } from './metric-order.ts';

export interface SideStage {
  id: string;
  kind: string;
  fingerprint: string;
  /** What went into the fingerprint; absent when unknown (a run's stage that never ran, its entry purged). */
  tree?: FingerprintTree;
  /** Input port → the upstream stage it reads. */
  upstreamOf: Record<string, string>;
  /** Scalar metrics; undefined when unknown (not cached, not run). */
  metrics?: Record<string, unknown>;
}

export interface DiffSide {
  /** 'pipelines/lab1.yaml' or 'run 20261128-071502-ab12 (lab1)'. */
  label: string;
  config: Record<string, unknown>;
  stages: SideStage[];
}

export interface ConfigChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

/** Keys that change no result: the name and descriptions, and vars (their uses below are compared instead). */
export function isCosmetic(segments: string[]): boolean {
  if (['name', 'description', 'vars', 'extends'].includes(segments[0])) return true;
  return segments[0] === 'stages' && segments.length === 3 && segments[2] === 'description';
}

export function diffConfigs(a: Record<string, unknown>, b: Record<string, unknown>): ConfigChange[] {
  return diffTrees(a as unknown as FingerprintTree, b as unknown as FingerprintTree)
    .filter((c) => !isCosmetic(c.segments))
    .map((c) => ({ path: c.path, ...('old' in c ? { old: c.old } : {}), ...('new' in c ? { new: c.new } : {}) }));
}

export type StageCause =
  | { type: 'param'; path: string; old?: unknown; new?: unknown }
  | { type: 'upstream'; stage: string; root?: StageCause }
  | { type: 'file'; path: string }
  /** A package that does the maths changed version; `path` is e.g. 'runtime.tfjs-core', or 'runtime' for all. */
  | { type: 'runtime'; path: string; old?: unknown; new?: unknown }
  | { type: 'version' | 'backend' | 'seed' | 'tfpipe' | 'kind'; old?: unknown; new?: unknown }
  | { type: 'unknown'; reason: string };

export interface StageComparison {
  id: string;
  kind: string;
  status: 'shared' | 'differs' | 'only-a' | 'only-b';
  /** For 'differs': the first cause, own changes before upstream ones. */
  cause?: StageCause;
}

/** Which tree section explains a difference first: the stage's own settings, then what it reads. */
const CAUSE_ORDER = ['kind', 'params', 'files', 'version', 'backend', 'runtime', 'seed', 'tfpipe', 'inputs'];

export function compareStages(a: DiffSide, b: DiffSide): StageComparison[] {
  const inA = new Map(a.stages.map((s) => [s.id, s]));
  const inB = new Map(b.stages.map((s) => [s.id, s]));
  const ids = [...a.stages.map((s) => s.id), ...b.stages.map((s) => s.id).filter((id) => !inA.has(id))];
  const memo = new Map<string, StageComparison>();
  const compare = (id: string, seen: Set<string>): StageComparison => {
    const known = memo.get(id);
    if (known) return known;
    const [sa, sb] = [inA.get(id), inB.get(id)];
    let result: StageComparison;
    if (!sa || !sb) result = { id, kind: (sa ?? sb)!.kind, status: sa ? 'only-a' : 'only-b' };
    else if (sa.fingerprint === sb.fingerprint) result = { id, kind: sb.kind, status: 'shared' };
    else
      result = {
        id,
        kind: sb.kind,
        status: 'differs',
        cause: firstCause(sa, sb, (up) => (seen.has(up) ? undefined : compare(up, new Set([...seen, id])))),
      };
    memo.set(id, result);
    return result;
  };
  return ids.map((id) => compare(id, new Set()));
}

function firstCause(a: SideStage, b: SideStage, upstream: (id: string) => StageComparison | undefined): StageCause {
  if (!a.tree || !b.tree)
    return { type: 'unknown', reason: `no fingerprint tree for ${a.tree ? 'B' : 'A'} (its cache entry is gone)` };
  const changes = diffTrees(a.tree, b.tree);
  const rank = (c: TreeChange) => CAUSE_ORDER.indexOf(c.segments[0]) >>> 0;
  const first = [...changes].sort((x, y) => rank(x) - rank(y))[0];
  if (!first) return { type: 'unknown', reason: 'fingerprints differ but their trees do not' };
  const [head, ...rest] = first.segments;
  switch (head) {
    case 'params':
      return { type: 'param', path: `stages.${b.id}.${rest.join('.')}`, old: first.old, new: first.new };
    case 'files':
      return { type: 'file', path: rest.join('.') };
    case 'runtime':
      return { type: 'runtime', path: first.segments.join('.'), old: first.old, new: first.new };
    case 'inputs': {
      const stage = b.upstreamOf[rest[0]] ?? a.upstreamOf[rest[0]] ?? rest[0];
      const root = rootCause(upstream(stage));
      return root ? { type: 'upstream', stage, root } : { type: 'upstream', stage };
    }
    case 'kind':
    case 'version':
    case 'backend':
    case 'seed':
    case 'tfpipe':
      return { type: head, old: first.old, new: first.new };
    default:
      return { type: 'unknown', reason: `${first.path} differs` };
  }
}

/** Follows upstream causes to the change that started them. */
function rootCause(comparison: StageComparison | undefined): StageCause | undefined {
  const cause = comparison?.cause;
  if (!cause) return undefined;
  return cause.type === 'upstream' ? (cause.root ?? cause) : cause;
}

/** Every scalar metric either side has, stage by stage. */
export function compareMetrics(a: DiffSide, b: DiffSide): MetricComparison[] {
  const inA = new Map(a.stages.map((s) => [s.id, s]));
  const inB = new Map(b.stages.map((s) => [s.id, s]));
  const ids = [...a.stages.map((s) => s.id), ...b.stages.map((s) => s.id).filter((id) => !inA.has(id))];
  const rows: MetricComparison[] = [];
  for (const id of ids) {
    const [ma, mb] = [scalars(inA.get(id)?.metrics), scalars(inB.get(id)?.metrics)];
    const names = [...Object.keys(ma), ...Object.keys(mb).filter((k) => !(k in ma))];
    for (const metric of names) {
      const row: MetricComparison = { stage: id, metric };
      if (metric in ma) row.a = ma[metric];
      if (metric in mb) row.b = mb[metric];
      if (typeof row.a === 'number' && typeof row.b === 'number') {
        row.delta = row.b - row.a;
        if (row.a !== 0) row.relative = row.delta / Math.abs(row.a);
      }
      rows.push(row);
    }
  }
  return rows;
}

function scalars(metrics: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metrics ?? {}).filter(([, v]) => v === null || typeof v !== 'object'));
}

export interface DiffReport {
  a: string;
  b: string;
  config: ConfigChange[];
  stages: StageComparison[];
  /** Changed first, then evaluation, training, other, data (metric-order.ts). */
  metrics: OrderedMetric[];
}

export function diffSides(a: DiffSide, b: DiffSide): DiffReport {
  const kinds = new Map([...a.stages, ...b.stages].map((s) => [s.id, s.kind]));
  return {
    a: a.label,
    b: b.label,
    config: diffConfigs(a.config, b.config),
    stages: compareStages(a, b),
    metrics: orderMetrics(compareMetrics(a, b), (id) => kinds.get(id)),
  };
}
