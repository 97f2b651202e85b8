// What the report shows of one run: its record, and per stage what its cache entry holds — history.csv
// (per epoch), steps.csv (per logging step), metrics.json (scalars, confusion_matrix, labels, examples) and a
// generate stage's texts.json. Entries that are gone leave just what the record kept.
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { isRecord, readEntryFiles, scalarMetrics } from '../runs/entry-files.ts';
import type { RunRecord, RunStageRecord } from '../runs/record.ts';

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
}

export interface ReportRun {
  record: RunRecord;
  /** Short name for legends: the pipeline name, with the run id when names repeat. */
  label: string;
  stages: ReportStage[];
}

export async function collectReportRuns(records: readonly RunRecord[]): Promise<ReportRun[]> {
  const names = records.map((r) => r.pipeline.name);
  const runs: ReportRun[] = [];
  for (const record of records) {
    const repeated = names.filter((n) => n === record.pipeline.name).length > 1;
    const label = repeated ? `${record.pipeline.name} ${record.id.slice(-11)}` : record.pipeline.name;
    runs.push({ record, label, stages: await Promise.all(record.stages.map((s) => collectStage(record, s))) });
  }
  return runs;
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
  return stage;
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
