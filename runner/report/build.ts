// The report page for one or more runs:
//   summary      one row per run (status, when, duration, stages ran/cached, key metrics)
//   metrics      with several runs: every metric side by side
//   curves       per training stage: loss and accuracy per epoch (train and valid on one plot), loss per logging
//                step for fine-tuning; several runs overlaid on the same plot
//   per run      config, stage table (ran/cached, time), metric table, confusion matrices, examples, texts
import { stringify } from 'yaml';
import { formatMetric, formatSeconds } from '../exec/format.ts';
import { formatStageCounts, formatWhen, keyMetrics } from '../runs/format-runs.ts';
import { actionLabel } from '../runs/record.ts';
import { effectiveStatus } from '../runs/registry.ts';
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { confusionSpec, curveRows, curveSpec, renderSvg } from './charts.ts';
import type { ReportRun, ReportStage } from './collect.ts';
import { escapeHtml as esc, figure, htmlTable, pageHtml, recordsHtml } from './html.ts';

export async function buildReportHtml(runs: readonly ReportRun[], generated: Date = new Date()): Promise<string> {
  const title =
    runs.length === 1 ? `tfpipe report — ${runs[0].label}` : `tfpipe report — ${runs.map((r) => r.label).join(' vs ')}`;
  const parts = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">generated ${esc(formatWhen(generated.toISOString()))} from ${runs.length} recorded run${runs.length === 1 ? '' : 's'}</p>`,
  ];
  parts.push('<h2>Runs</h2>', summaryTable(runs));
  if (runs.length > 1) parts.push('<h2>Metrics</h2>', metricsComparison(runs));
  const curves = await curvesSection(runs);
  if (curves) parts.push('<h2>Training curves</h2>', curves);
  for (const run of runs) parts.push(await runSection(run));
  return pageHtml(title, parts.join('\n'));
}

function summaryTable(runs: readonly ReportRun[]): string {
  const rows = runs.map(({ record: r, label }) => {
    const status = effectiveStatus(r);
    const metrics = keyMetrics(r)
      .map(([k, v]) => `${k} ${formatMetric(v)}`)
      .join(' · ');
    return [
      `<code>${esc(r.id)}</code>`,
      esc(label),
      `<span class="status-${status}">${status}</span>`,
      esc(formatWhen(r.started)),
      r.seconds === undefined ? '—' : esc(formatSeconds(r.seconds)),
      esc(formatStageCounts(r)),
      esc(metrics || '—'),
    ];
  });
  return htmlTable(['run', 'pipeline', 'status', 'started', 'took', 'stages', 'key metrics'], rows);
}

function metricsComparison(runs: readonly ReportRun[]): string {
  const names = [
    ...new Set(runs.flatMap((r) => r.stages.flatMap((s) => Object.keys(s.metrics).map((m) => `${s.id}.${m}`)))),
  ];
  if (names.length === 0) return '<p class="note">No metrics recorded.</p>';
  const valueOf = (run: ReportRun, name: string) => {
    const dot = name.indexOf('.');
    const v = run.stages.find((s) => s.id === name.slice(0, dot))?.metrics[name.slice(dot + 1)];
    return v === undefined ? '—' : esc(formatMetric(v));
  };
  const rows = names.map((n) => [`<code>${esc(n)}</code>`, ...runs.map((r) => valueOf(r, n))]);
  return htmlTable(['metric', ...runs.map((r) => esc(r.label))], rows, { numeric: runs.map((_, i) => i + 1) });
}

/** Per stage id with a history or a step log in any run: the curves, runs overlaid. */
async function curvesSection(runs: readonly ReportRun[]): Promise<string | undefined> {
  const ids = [...new Set(runs.flatMap((r) => r.stages.filter((s) => s.history || s.steps).map((s) => s.id)))];
  const blocks: string[] = [];
  for (const id of ids) {
    const tables = (pick: (s: ReportStage) => TableRow[] | undefined) =>
      runs.flatMap((r) => {
        const rows = pick(r.stages.find((s) => s.id === id) ?? ({} as ReportStage));
        return rows ? [{ label: r.label, rows }] : [];
      });
    const charts: string[] = [];
    const history = tables((s) => s.history);
    for (const [quantity, name] of [
      ['loss', 'loss'],
      ['acc', 'accuracy'],
    ] as const) {
      const rows = curveRows(history, quantity, 'epoch');
      if (rows.length > 0)
        charts.push(
          figure(
            `${id}-${quantity}`,
            await renderSvg(curveSpec({ title: `${id}: ${name} per epoch`, x: 'epoch', y: name, rows })),
          ),
        );
    }
    const stepRows = curveRows(
      tables((s) => s.steps),
      'loss',
      'step',
    );
    if (stepRows.length > 0)
      charts.push(
        figure(
          `${id}-step-loss`,
          await renderSvg(curveSpec({ title: `${id}: loss per logging step`, x: 'step', y: 'loss', rows: stepRows })),
        ),
      );
    if (charts.length > 0) blocks.push(`<h3>${esc(id)}</h3>\n<div class="charts">${charts.join('\n')}</div>`);
  }
  return blocks.length > 0 ? blocks.join('\n') : undefined;
}

async function runSection(run: ReportRun): Promise<string> {
  const r = run.record;
  const out = [`<h2 id="run-${esc(r.id)}">Run <code>${esc(r.id)}</code> — ${esc(run.label)}</h2>`];
  const device = r.backend.device ? ` on ${r.backend.device}` : '';
  out.push(
    `<p class="meta">${esc(r.pipeline.file)} · tfpipe ${esc(r.tfpipe)} · backend ${esc(r.backend.name)}${esc(device)}${r.set.length > 0 ? ` · ${esc(r.set.join(' '))}` : ''}${r.error ? ` · error: ${esc(r.error)}` : ''}</p>`,
  );
  out.push(
    '<h3>Stages</h3>',
    htmlTable(
      ['stage', 'kind', 'action', 'time'],
      run.stages.map((s) => [
        esc(s.id),
        esc(s.kind),
        esc(actionLabel(s)),
        s.action === 'ran' ? esc(formatSeconds(s.seconds)) : '—',
      ]),
      { numeric: [3] },
    ),
  );
  const metricRows = run.stages.flatMap((s) =>
    Object.entries(s.metrics).map(([k, v]) => [esc(s.id), esc(k), esc(formatMetric(v))]),
  );
  if (metricRows.length > 0)
    out.push('<h3>Metrics</h3>', htmlTable(['stage', 'metric', 'value'], metricRows, { numeric: [2] }));
  for (const s of run.stages) {
    if (s.confusion) {
      const svg = await renderSvg(confusionSpec(s.confusion.matrix, s.confusion.labels, `${s.id}: confusion matrix`));
      out.push(
        `<h3>${esc(s.id)}: confusion matrix</h3>`,
        `<div class="charts">${figure(`${s.id}-confusion`, svg)}</div>`,
      );
    }
    if (s.examples && s.examples.length > 0) out.push(`<h3>${esc(s.id)}: examples</h3>`, recordsHtml(s.examples));
    if (s.texts && s.texts.length > 0) out.push(`<h3>${esc(s.id)}: generated texts</h3>`, recordsHtml(s.texts));
  }
  out.push(
    '<h3>Config</h3>',
    `<details open><summary>resolved config (extends, vars, --set applied)</summary><pre>${esc(stringify(r.config))}</pre></details>`,
  );
  return out.join('\n');
}
