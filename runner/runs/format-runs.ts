// Text for `tfpipe runs` (one line per run, with a column per param that differs among them), `tfpipe runs --sweep`
// (the runs of one sweep side by side) and `tfpipe show RUN` (one run in full).
import { stringify } from 'yaml';
import { formatMetric, formatSeconds } from '../exec/format.ts';
import { formatTable } from '../../lib/text/table.ts';
import { formatParam, givenLabel, sweepLabel } from './labels.ts';
import { actionLabel, countActions, type RunRecord } from './record.ts';
import { effectiveStatus } from './registry.ts';
import { differingParams, paramKey, valueOf, type RunKey } from './run-values.ts';

/** More differing params than this (runs of unrelated pipelines) are named under the table instead. */
const MAX_PARAM_COLUMNS = 6;

/** Metric names that summarise a run best, looked for from the last stage backwards. */
const KEY_METRIC = /(acc|loss|perplexity|ppl|f1|bleu|auc|error)/i;

/** Up to 3 `stage.metric` → value for one-line listings: the last accuracy/loss-like ones, else the first
 *  numbers of the last stage that has any. */
export function keyMetrics(record: RunRecord): [string, unknown][] {
  const numeric = (s: RunRecord['stages'][number]) =>
    Object.entries(s.metrics)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]): [string, unknown] => [`${s.id}.${k}`, v]);
  const preferred = record.stages.flatMap((s) => numeric(s).filter(([k]) => KEY_METRIC.test(k.slice(s.id.length + 1))));
  if (preferred.length > 0) return preferred.slice(-3);
  const last = [...record.stages].reverse().find((s) => numeric(s).length > 0);
  return last ? numeric(last).slice(0, 3) : [];
}

export function formatWhen(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatStageCounts(record: RunRecord): string {
  const counts = countActions(record);
  const parts = [`${counts.ran} ran`, `${counts.cached} cached`];
  for (const action of ['failed', 'interrupted', 'not-run'] as const)
    if (counts[action] > 0) parts.push(`${counts[action]} ${action}`);
  return parts.join(', ');
}

export interface RunsTableOptions {
  /** Metrics named by --sort or --filter: a column each, before the key metrics. */
  metricColumns?: readonly RunKey[];
}

/**
 * One row per run: its label (the --name and swept values) when any run has one, id, pipeline, when, stages, a
 * column per param whose value is not the same in all the runs (`train.lr`), the asked-for metrics, key metrics,
 * status.
 */
export function formatRunsTable(records: readonly RunRecord[], options: RunsTableOptions = {}): string {
  if (records.length === 0) return 'no runs recorded yet (tfpipe run FILE records one)\n';
  const labelled = records.some((r) => givenLabel(r) !== undefined);
  const differing = differingParams(records).map(paramKey);
  const params = differing.slice(0, MAX_PARAM_COLUMNS);
  const metricColumns = options.metricColumns ?? [];
  const rows = [
    [
      ...(labelled ? ['label'] : []),
      'id',
      'pipeline',
      'when',
      'stages',
      ...[...params, ...metricColumns].map((k) => k.text),
      'key metrics',
      'status',
    ],
  ];
  for (const r of records) {
    const metrics = keyMetrics(r)
      .map(([k, v]) => `${k} ${formatMetric(v)}`)
      .join(' · ');
    rows.push([
      ...(labelled ? [givenLabel(r) ?? '—'] : []),
      r.id,
      r.pipeline.name,
      formatWhen(r.started),
      formatStageCounts(r),
      ...params.map((k) => (valueOf(r, k) === undefined ? '—' : formatParam(valueOf(r, k)))),
      ...metricColumns.map((k) => (valueOf(r, k) === undefined ? '—' : formatMetric(valueOf(r, k)))),
      metrics || '—',
      effectiveStatus(r),
    ]);
  }
  const lines = formatTable(rows);
  const more = differing.slice(MAX_PARAM_COLUMNS).map((k) => k.text);
  if (more.length > 0)
    lines.push(`${more.length} more params differ: ${more.join(', ')} (--pipeline FILE or --filter narrows the list)`);
  return `${lines.join('\n')}\n`;
}

/** The runs of one sweep: swept values, then every metric whose value is not the same in all of them. */
export function formatSweepTable(records: readonly RunRecord[]): string {
  const first = records[0];
  if (!first?.sweep) return 'no sweep recorded yet (tfpipe run FILE --sweep PATH=V1,V2 records one)\n';
  const paths = Object.keys(first.sweep.assignments);
  const metricNames = [
    ...new Set(records.flatMap((r) => r.stages.flatMap((s) => Object.keys(s.metrics).map((k) => `${s.id}.${k}`)))),
  ];
  const valueOf = (r: RunRecord, name: string) => {
    const dot = name.indexOf('.');
    return r.stages.find((s) => s.id === name.slice(0, dot))?.metrics[name.slice(dot + 1)];
  };
  const varying = metricNames.filter((m) => new Set(records.map((r) => JSON.stringify(valueOf(r, m)))).size > 1);
  const constant = metricNames.filter((m) => !varying.includes(m));
  const rows = [['run', ...paths.map((p) => p.replace(/^stages\./, '')), 'stages', ...varying, 'status']];
  for (const r of records) {
    const assigned = paths.map((p) => JSON.stringify(r.sweep?.assignments[p]));
    const metrics = varying.map((m) => (valueOf(r, m) === undefined ? '—' : formatMetric(valueOf(r, m))));
    rows.push([r.id, ...assigned, formatStageCounts(r), ...metrics, effectiveStatus(r)]);
  }
  const lines = [
    `sweep ${first.sweep.id}: ${records.length} of ${first.sweep.total} runs of ${first.pipeline.name}`,
    ...formatTable(rows),
  ];
  if (constant.length > 0)
    lines.push(`same in every run: ${constant.map((m) => `${m} ${formatMetric(valueOf(first, m))}`).join(' · ')}`);
  return `${lines.join('\n')}\n`;
}

export function formatRunDetails(record: RunRecord): string {
  const status = effectiveStatus(record);
  const lines = [`run ${record.id}: ${status}${record.exitCode === undefined ? '' : ` (exit ${record.exitCode})`}`];
  if (record.name !== undefined) lines.push(`name      ${record.name}`);
  const took = record.seconds === undefined ? '' : ` · took ${formatSeconds(record.seconds)}`;
  const device = record.backend.device ? ` on ${record.backend.device}` : '';
  lines.push(`pipeline  ${record.pipeline.file} (${record.pipeline.name})`);
  lines.push(`started   ${formatWhen(record.started)}${took}`);
  lines.push(
    `tfpipe    ${record.tfpipe} · backend ${record.backend.name}${device} (requested ${record.backend.requested})`,
  );
  if (record.executor?.name === 'slurm') {
    const settings = Object.entries(record.executor.settings ?? {}).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    lines.push(`executor  slurm${settings.length > 0 ? ` (${settings.join(', ')})` : ''}`);
  }
  if (record.set.length > 0) lines.push(`set       ${record.set.join(' ')}`);
  if (record.sweep)
    lines.push(
      `sweep     ${record.sweep.id}, run ${record.sweep.index} of ${record.sweep.total}: ${sweepLabel(record.sweep.assignments)}`,
    );
  if (record.git) lines.push(`git       ${record.git.commit} (${record.git.dirty ? 'uncommitted changes' : 'clean'})`);
  if (record.error) lines.push(`error     ${record.error}`);
  lines.push('', 'stages:');
  const jobs = record.stages.some((s) => s.job);
  const rows = [['stage', 'kind', 'action', 'time', 'backend', ...(jobs ? ['job'] : []), 'fingerprint']];
  for (const s of record.stages) {
    const backend = s.backend ? `${s.backend}${s.device ? ` (${s.device})` : ''}` : '—';
    const job = s.job ? `${s.job.id} ${s.job.state.toLowerCase()}${s.job.node ? ` on ${s.job.node}` : ''}` : '—';
    rows.push([
      s.id,
      s.kind,
      actionLabel(s),
      s.action === 'ran' ? formatSeconds(s.seconds) : '—',
      backend,
      ...(jobs ? [job] : []),
      s.fingerprint.slice(0, 12),
    ]);
  }
  lines.push(...formatTable(rows).map((l) => `  ${l}`));
  const withMetrics = record.stages.filter((s) => Object.keys(s.metrics).length > 0 || s.error);
  if (withMetrics.length > 0) lines.push('', 'metrics:');
  for (const s of withMetrics) {
    const metrics = Object.entries(s.metrics).map(
      ([k, v]) => `${k} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : formatMetric(v)}`,
    );
    lines.push(`  ${s.id}: ${[...metrics, ...(s.error ? [`error: ${s.error}`] : [])].join(' · ')}`);
  }
  lines.push(
    '',
    'config:',
    ...stringify(record.config)
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return `${lines.join('\n')}\n`;
}
