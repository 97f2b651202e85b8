// What a classifier's evaluation shows beyond its headline figures: precision, recall and F1 of every class (from
// the confusion matrix, as sklearn's classification_report), and for two classes the ROC and precision-recall
// curves of every run overlaid, the area under each in its legend entry and in a table.
import { classFigures } from '../../stages/classifier/classification-metrics.ts';
import { confusionSpec, xyCurveSpec, type XYRow } from './charts.ts';
import type { ReportRun, ReportStage } from './collect.ts';
import { escapeHtml as esc, htmlTable } from './html.ts';
import { chartFigure } from './live.ts';
import { formatReportNumber } from './numbers.ts';
import { thinPoints } from './roc.ts';

interface Evaluation {
  run: ReportRun;
  stage: ReportStage & { confusion: NonNullable<ReportStage['confusion']> };
  /** 'lab1 · evaluate' with several runs, else the stage id. */
  title: string;
}

function evaluations(runs: readonly ReportRun[]): Evaluation[] {
  const found = runs.flatMap((run) =>
    run.stages.flatMap((stage) => (stage.confusion ? [{ run, stage: stage as Evaluation['stage'] }] : [])),
  );
  const manyRuns = runs.length > 1;
  return found.map((e) => ({ ...e, title: manyRuns ? `${e.run.label} · ${e.stage.id}` : e.stage.id }));
}

/** Per class: precision, recall, F1 and support (rows of that class), as classification_report prints them. */
export function perClassRows(confusion: { matrix: number[][]; labels?: string[] }): string[][] {
  return confusion.matrix.map((row, k) => {
    const f = classFigures(confusion.matrix, k);
    const support = row.reduce((s, v) => s + v, 0);
    return [
      esc(confusion.labels?.[k] ?? String(k)),
      formatReportNumber(f.precision, 'precision'),
      formatReportNumber(f.recall, 'recall'),
      formatReportNumber(f.f1, 'f1'),
      formatReportNumber(support),
    ];
  });
}

/** The section's HTML; undefined when no stage evaluated a classifier. */
export async function classifierSection(runs: readonly ReportRun[]): Promise<string | undefined> {
  const found = evaluations(runs);
  if (found.length === 0) return undefined;
  const out: string[] = [];
  for (const e of found) {
    out.push(
      `<h3>${esc(e.title)}: per class</h3>`,
      htmlTable(['class', 'precision', 'recall', 'F1', 'support'], perClassRows(e.stage.confusion), {
        numeric: [1, 2, 3, 4],
        className: 'per-class',
      }),
    );
  }
  const binary = found.filter((e) => e.stage.curves);
  if (binary.length > 0) {
    const series = (e: Evaluation, area: string) => `${e.title} (${area})`;
    const roc: XYRow[] = binary.flatMap((e) =>
      thinPoints(e.stage.curves!.roc).map((p) => ({
        series: series(e, `AUC ${formatReportNumber(e.stage.curves!.rocAuc, 'auc')}`),
        ...p,
      })),
    );
    const pr: XYRow[] = binary.flatMap((e) =>
      thinPoints(e.stage.curves!.pr).map((p) => ({
        series: series(e, `AP ${formatReportNumber(e.stage.curves!.averagePrecision, 'ap')}`),
        ...p,
      })),
    );
    const positive = binary[0].stage.confusion.labels?.[1] ?? '1';
    out.push(
      `<h3>ROC and precision-recall (positive class: ${esc(positive)})</h3>`,
      htmlTable(
        ['evaluation', 'ROC AUC', 'average precision'],
        binary.map((e) => [
          esc(e.title),
          formatReportNumber(e.stage.curves!.rocAuc, 'auc'),
          formatReportNumber(e.stage.curves!.averagePrecision, 'ap'),
        ]),
        { numeric: [1, 2] },
      ),
      '<div class="charts">',
      await chartFigure(
        'roc',
        xyCurveSpec({
          title: 'ROC',
          x: 'false positive rate',
          y: 'true positive rate',
          rows: roc,
          legend: 'evaluation',
        }),
      ),
      await chartFigure(
        'precision-recall',
        xyCurveSpec({ title: 'precision-recall', x: 'recall', y: 'precision', rows: pr, legend: 'evaluation' }),
      ),
      '</div>',
    );
  }
  const matrices: string[] = [];
  for (const e of found) {
    const { matrix, labels } = e.stage.confusion;
    const name = runs.length > 1 ? `${e.run.label}-${e.stage.id}-confusion` : `${e.stage.id}-confusion`;
    matrices.push(await chartFigure(name, confusionSpec(matrix, labels, `${e.title}: confusion matrix`)));
  }
  out.push('<h3>Confusion matrices</h3>', `<div class="charts">${matrices.join('\n')}</div>`);
  return out.join('\n');
}
