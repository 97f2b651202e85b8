// The report's opening: the runs side by side — one row each, with the params that differ among them (from the
// resolved configs) and their key metrics — and, folded further down, every metric of every run.
//   | run               | status | took  | stages.train.bidirectional | evaluate.test_acc | evaluate.test_f1 |
//   | lab1 …071500-ab10 | ok     | 12.0s | false                      | 0.8100            | 0.8000           |
import { formatSeconds } from '../exec/format.ts';
import { effectiveStatus } from '../runs/registry.ts';
import type { ReportRun } from './collect.ts';
import { escapeHtml as esc, htmlTable } from './html.ts';
import { formatReportValue } from './numbers.ts';
import { differingParams } from './params.ts';

/** Params shown as columns at most; more are counted, and the folded configs below hold them all. */
const MAX_PARAMS = 8;

/** Evaluation figures a reader compares runs by; losses are left to the full tables. */
const KEY = /(^|_)(acc|accuracy|f1|auc|perplexity)$/;

/**
 * Metric names (`stage.metric`) for the summary: the key figures of evaluation stages, else of any stage; a
 * compare stage's figures are left out, its own table shows them.
 */
export function keyMetricNames(runs: readonly ReportRun[]): string[] {
  const names = (pick: (kind: string) => boolean) => [
    ...new Set(
      runs.flatMap((r) =>
        r.stages
          .filter((s) => pick(s.kind))
          .flatMap((s) =>
            Object.entries(s.metrics)
              .filter(([k, v]) => typeof v === 'number' && KEY.test(k))
              .map(([k]) => `${s.id}.${k}`),
          ),
      ),
    ),
  ];
  const evaluation = names((kind) => kind === 'evaluate');
  return (evaluation.length > 0 ? evaluation : names((kind) => kind !== 'compare')).slice(0, 6);
}

export function metricOf(run: ReportRun, name: string): unknown {
  const dot = name.indexOf('.');
  return run.stages.find((s) => s.id === name.slice(0, dot))?.metrics[name.slice(dot + 1)];
}

export function summaryTable(runs: readonly ReportRun[]): string {
  // The pipeline's name is each run's label already; a differing name is not a differing param.
  const params = differingParams(runs.map((r) => r.record.config)).filter((p) => p.path !== 'name');
  const shown = params.slice(0, MAX_PARAMS);
  const metrics = keyMetricNames(runs);
  const head = [
    'run',
    'status',
    'took',
    ...shown.map((p) => `<code>${esc(p.path)}</code>`),
    ...metrics.map((m) => `<code>${esc(m)}</code>`),
  ];
  const rows = runs.map((run, i) => {
    const r = run.record;
    const status = effectiveStatus(r);
    return [
      `<strong>${esc(run.label)}</strong><br><code class="id">${esc(r.id)}</code>`,
      `<span class="status-${status}">${status}</span>`,
      r.seconds === undefined ? '—' : esc(formatSeconds(r.seconds)),
      ...shown.map((p) => `<code>${esc(formatReportValue(p.values[i], p.path))}</code>`),
      ...metrics.map((m) => esc(formatReportValue(metricOf(run, m), m))),
    ];
  });
  const numeric = metrics.map((_, k) => 3 + shown.length + k);
  const more =
    params.length > shown.length
      ? `<p class="note">${params.length - shown.length} more differing params: see the configs under Details.</p>`
      : '';
  return htmlTable(head, rows, { numeric, className: 'summary' }) + more;
}

/** Every metric of every run side by side, the ones that differ first. */
export function allMetricsTable(runs: readonly ReportRun[]): string {
  const names = [
    ...new Set(runs.flatMap((r) => r.stages.flatMap((s) => Object.keys(s.metrics).map((m) => `${s.id}.${m}`)))),
  ];
  if (names.length === 0) return '<p class="note">No metrics recorded.</p>';
  const differs = (n: string) => new Set(runs.map((r) => JSON.stringify(metricOf(r, n)))).size > 1;
  const ordered = [...names.filter(differs), ...names.filter((n) => !differs(n))];
  const rows = ordered.map((n) => [
    `<code>${esc(n)}</code>`,
    ...runs.map((r) => esc(formatReportValue(metricOf(r, n), n))),
  ]);
  return htmlTable(['metric', ...runs.map((r) => esc(r.label))], rows, { numeric: runs.map((_, i) => i + 1) });
}
