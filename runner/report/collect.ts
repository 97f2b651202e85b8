// What the report shows of one run: its record, and per stage what its cache entry holds — history.csv
// (per epoch), steps.csv (per logging step), metrics.json (scalars, confusion_matrix, labels, examples) and a
// generate stage's texts.json; a compare stage's table (metrics.json {columns, rows}); a binary classifier's
// ROC and precision-recall curves from its per-row scores (scores.ts). Entries that are gone leave just what the
// record kept.
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { isRecord, readEntryFiles, scalarMetrics } from '../runs/entry-files.ts';
import type { RunRecord, RunStageRecord } from '../runs/record.ts';
import { readComparison, type Comparison } from './comparison.ts';
import { binaryCurves, type BinaryCurves } from './roc.ts';
import { runLabels } from '../runs/labels.ts';
import { readBinaryScores } from './scores.ts';

export interface ReportStage {
  id: string;
  kind: string;
  action: RunStageRecord['action'];
  /** action 'cached' only: another run wrote the entry while this one waited. */
  waited?: boolean;
  seconds: number;
  /** The stage's scalar metrics: metrics.json's, overridden by what the stage returned. */
  metrics: Record<string, unknown>;
  history?: TableRow[];
  steps?: TableRow[];
  confusion?: { matrix: number[][]; labels?: string[] };
  examples?: unknown[];
  texts?: unknown[];
  /** A compare stage's table. */
  comparison?: Comparison;
  /** A binary classifier's evaluation: ROC and precision-recall curves with their areas, from every row. */
  curves?: BinaryCurves;
}

export interface ReportRun {
  record: RunRecord;
  /** Short name for headings and legends: the swept values of a sweep's run, else the pipeline name (runs/labels.ts). */
  label: string;
  stages: ReportStage[];
}

export async function collectReportRuns(records: readonly RunRecord[]): Promise<ReportRun[]> {
  const labels = runLabels(records);
  return Promise.all(
    records.map(async (record, i) => ({
      record,
      label: labels[i],
      stages: await Promise.all(record.stages.map((s) => collectStage(record, s))),
    })),
  );
}

async function collectStage(record: RunRecord, s: RunStageRecord): Promise<ReportStage> {
  const stage: ReportStage = {
    id: s.id,
    kind: s.kind,
    action: s.action,
    ...(s.waited ? { waited: true } : {}),
    seconds: s.seconds,
    metrics: { ...s.metrics },
  };
  if (s.action !== 'ran' && s.action !== 'cached') return stage;
  const files = await readEntryFiles(record.cacheRoot, s.fingerprint);
  stage.metrics = { ...scalarMetrics(files.metricsJson), ...scalarOnly(s.metrics) };
  if (files.history) stage.history = files.history;
  if (files.steps) stage.steps = files.steps;
  if (files.texts) stage.texts = files.texts;
  const json = files.metricsJson;
  if (json && isMatrix(json.confusion_matrix)) {
    const labels = Array.isArray(json.labels) ? json.labels.map(String) : undefined;
    stage.confusion = labels ? { matrix: json.confusion_matrix, labels } : { matrix: json.confusion_matrix };
  }
  if (json && Array.isArray(json.examples)) stage.examples = json.examples;
  if (s.kind === 'compare' && json) {
    const comparison = readComparison(json, stageParams(record, s.id));
    if (comparison) stage.comparison = comparison;
  }
  if (stage.confusion?.matrix.length === 2) {
    const scores = await readBinaryScores(record.cacheRoot, s.fingerprint);
    const curves = scores && binaryCurves(scores.actual, scores.score);
    if (curves) stage.curves = curves;
  }
  return stage;
}

/** The stage's params as the record's resolved config holds them. */
function stageParams(record: RunRecord, id: string): Record<string, unknown> {
  const stages = record.config.stages;
  const params = isRecord(stages) ? stages[id] : undefined;
  return isRecord(params) ? params : {};
}

function isMatrix(value: unknown): value is number[][] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((row) => Array.isArray(row) && row.length === value.length && row.every((v) => typeof v === 'number'))
  );
}

function scalarOnly(metrics: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => !isRecord(v) && !Array.isArray(v)));
}
