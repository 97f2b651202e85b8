// The report page for one or more runs, in the order a reader looks:
//   Summary        one row per run: status, time, the params that differ, the key metrics
//   Comparison     each compare stage's table as the pipeline laid it out
//   Curves         one chart per quantity (loss per epoch, accuracy, loss per step), every run and stage overlaid
//   Classification per-class precision / recall / F1; ROC and precision-recall with their areas; confusion matrices
//   Generated texts  prompts and texts (no token ids)
//   Details        folded: every metric side by side; per run its stage table, metric table, examples and config
import { stringify } from 'yaml';
import { formatSeconds } from '../exec/format.ts';
import { formatWhen } from '../runs/format-runs.ts';
import { actionLabel } from '../runs/record.ts';
import { classifierSection } from './classifier-section.ts';
import type { ReportRun } from './collect.ts';
import { comparisonTable } from './comparison.ts';
import { curveFigures } from './curves-section.ts';
import { escapeHtml as esc, folded, htmlTable, pageHtml, recordsHtml } from './html.ts';
import { liveScripts } from './live.ts';
import { formatReportValue } from './numbers.ts';
import { allMetricsTable, summaryTable } from './summary.ts';

export async function buildReportHtml(runs: readonly ReportRun[], generated: Date = new Date()): Promise<string> {
  const title = `tfpipe report — ${runs.map((r) => r.label).join(' vs ')}`;
  const many = runs.length > 1;
  /** A heading for one run's part of a section: the run's label only when there are several. */
  const whose = (run: ReportRun, stage: string) => (many ? `${run.label} · ${stage}` : stage);
  const parts = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">generated ${esc(formatWhen(generated.toISOString()))} from ${runs.length} recorded run${many ? 's' : ''}</p>`,
    '<h2 id="summary">Summary</h2>',
    summaryTable(runs),
  ];

  const comparisons = runs.flatMap((run) =>
    run.stages.flatMap((s) =>
      s.comparison ? [`<h3>${esc(whose(run, s.id))}</h3>`, comparisonTable(s.comparison)] : [],
    ),
  );
  if (comparisons.length > 0) parts.push('<h2 id="comparison">Comparison</h2>', ...comparisons);

  const curves = await curveFigures(runs);
  if (curves.length > 0)
    parts.push('<h2 id="curves">Training curves</h2>', `<div class="charts">${curves.join('\n')}</div>`);

  const classification = await classifierSection(runs);
  if (classification) parts.push('<h2 id="classification">Classification</h2>', classification);

  const texts = runs.flatMap((run) =>
    run.stages.flatMap((s) =>
      s.texts && s.texts.length > 0 ? [`<h3>${esc(whose(run, s.id))}</h3>`, recordsHtml(s.texts)] : [],
    ),
  );
  if (texts.length > 0) parts.push('<h2 id="texts">Generated texts</h2>', ...texts);

  parts.push('<h2 id="details">Details</h2>');
  if (many) parts.push(folded('every metric, side by side (differing first)', allMetricsTable(runs)));
  for (const run of runs) parts.push(runDetails(run));
  return pageHtml(title, parts.join('\n'), await liveScripts(curves.length > 0 || classification !== undefined));
}

/** One run's record, folded: stages, metrics, examples, resolved config. */
function runDetails(run: ReportRun): string {
  const r = run.record;
  const device = r.backend.device ? ` on ${r.backend.device}` : '';
  const out = [
    `<h3 id="run-${esc(r.id)}">Run <code>${esc(r.id)}</code> — ${esc(run.label)}</h3>`,
    `<p class="meta">${esc(r.pipeline.file)} · started ${esc(formatWhen(r.started))} · tfpipe ${esc(r.tfpipe)} · backend ${esc(r.backend.name)}${esc(device)}${r.set.length > 0 ? ` · ${esc(r.set.join(' '))}` : ''}${r.error ? ` · error: ${esc(r.error)}` : ''}</p>`,
  ];
  out.push(
    folded(
      `stages (${run.stages.length})`,
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
    ),
  );
  const metricRows = run.stages.flatMap((s) =>
    Object.entries(s.metrics).map(([k, v]) => [esc(s.id), esc(k), esc(formatReportValue(v, k))]),
  );
  if (metricRows.length > 0)
    out.push(
      folded(`metrics (${metricRows.length})`, htmlTable(['stage', 'metric', 'value'], metricRows, { numeric: [2] })),
    );
  for (const s of run.stages)
    if (s.examples && s.examples.length > 0) out.push(folded(`${esc(s.id)}: examples`, recordsHtml(s.examples)));
  out.push(folded('resolved config (extends, vars, --set applied)', `<pre>${esc(stringify(r.config))}</pre>`));
  return out.join('\n');
}
