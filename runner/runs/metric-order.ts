// The order in which diff (and the report) show metrics: what changed first, and within that what a reader judges a
// run by first — evaluation, then training, then anything else, then the data counts that rarely move.
//   metricGroup('evaluate', 'test_acc') → 'evaluation'    metricGroup('train', 'valid_loss') → 'evaluation'
//   metricGroup('train', 'train_loss')  → 'training'      metricGroup('split', 'test_rows')  → 'data'
//   metricGroup('vocab', 'vocab_size')  → 'data'

export type MetricGroup = 'evaluation' | 'training' | 'other' | 'data';

/** In the order they are shown. */
export const METRIC_GROUPS: readonly MetricGroup[] = ['evaluation', 'training', 'other', 'data'];

const EVALUATION_KINDS = new Set(['evaluate', 'compare']);
const TRAINING_KINDS = new Set(['train', 'finetune', 'lora']);
const DATA_KINDS = new Set(['load', 'split', 'vocab', 'tokenize']);

/** Held-out figures wherever they are reported (a train stage's valid_loss too). */
const EVALUATION_NAME =
  /^(test|valid|val|eval|best_valid)_|perplexity|(^|_)(ppl|bleu|rouge\w*|auc|f1|precision|recall)$/;
/** Sizes of data: rows, tokens, words, vocabulary, label counts. */
const DATA_NAME = /(^|_)(rows|tokens|words|size|count|counts|prompts)$|^label_/;
const TRAINING_NAME = /^train_|loss|acc|epoch|step|lr$/;

export function metricGroup(stageKind: string | undefined, metric: string): MetricGroup {
  // a count first (evaluate's test_rows is data), then the stage's kind (tokenize's valid_unk_rate is data), then
  // the name (train's valid_loss is held-out)
  if (DATA_NAME.test(metric)) return 'data';
  if (EVALUATION_KINDS.has(stageKind ?? '')) return 'evaluation';
  if (DATA_KINDS.has(stageKind ?? '')) return 'data';
  if (EVALUATION_NAME.test(metric)) return 'evaluation';
  if (TRAINING_KINDS.has(stageKind ?? '') || TRAINING_NAME.test(metric)) return 'training';
  return 'other';
}

/** One metric of two runs side by side (compare.ts makes them). */
export interface MetricComparison {
  stage: string;
  metric: string;
  /** Absent when that side does not have the metric (or its metrics are unknown). */
  a?: unknown;
  b?: unknown;
  /** b − a, when both are numbers. */
  delta?: number;
  /** (b − a) / |a|, when both are numbers and a ≠ 0. */
  relative?: number;
}

export interface OrderedMetric extends MetricComparison {
  group: MetricGroup;
  /** False when both sides have the metric with the same value. */
  changed: boolean;
}

/**
 * The rows changed first, then by group (an evaluate or compare stage's before other evaluation figures), each
 * keeping the pipeline's stage order. `kindOf` gives a stage's kind (either side's).
 */
export function orderMetrics(
  rows: readonly MetricComparison[],
  kindOf: (stage: string) => string | undefined,
): OrderedMetric[] {
  const ranked = rows.map((row) => {
    const kind = kindOf(row.stage);
    const metric: OrderedMetric = {
      ...row,
      group: metricGroup(kind, row.metric),
      changed: !('a' in row && 'b' in row && sameScalar(row.a, row.b)),
    };
    // within evaluation, an evaluate or compare stage's figures before a training stage's valid_loss
    const byKind = metric.group === 'evaluation' && !EVALUATION_KINDS.has(kind ?? '') ? 1 : 0;
    return { metric, rank: [metric.changed ? 0 : 1, METRIC_GROUPS.indexOf(metric.group), byKind] };
  });
  // Array.prototype.sort is stable: equal ranks keep the stage order
  ranked.sort((x, y) => x.rank[0] - y.rank[0] || x.rank[1] - y.rank[1] || x.rank[2] - y.rank[2]);
  return ranked.map((r) => r.metric);
}

/** Metrics are scalars (compareMetrics keeps only those); a NaN on both sides has not changed. */
function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
