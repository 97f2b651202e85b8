// Training curves, one chart per quantity, every stage and run that logged it overlaid: lab2's finetune and LoRA
// losses per step share a plot, as do lab1 and lab1-bidi's losses per epoch.
//   loss per epoch (history.csv: train_loss, valid_loss)   accuracy per epoch (train_acc, valid_acc)
//   loss per logging step (steps.csv: loss)
// A series is named by what tells it apart: the run when one stage logged the quantity, the stage in a single
// run, else both ('lab1 · train').
import type { TableRow } from '../../stages/artifacts/csv-table.ts';
import { curveRows, curveSpec } from './charts.ts';
import type { ReportRun, ReportStage } from './collect.ts';
import { chartFigure } from './live.ts';

interface Quantity {
  name: string;
  table: (s: ReportStage) => TableRow[] | undefined;
  column: string;
  x: string;
  y: string;
  title: string;
  yFormat: string;
}

const QUANTITIES: Quantity[] = [
  {
    name: 'loss-per-epoch',
    table: (s) => s.history,
    column: 'loss',
    x: 'epoch',
    y: 'loss',
    title: 'loss per epoch',
    yFormat: '.4~r',
  },
  {
    name: 'acc-per-epoch',
    table: (s) => s.history,
    column: 'acc',
    x: 'epoch',
    y: 'accuracy',
    title: 'accuracy per epoch',
    yFormat: '.4f',
  },
  {
    name: 'loss-per-step',
    table: (s) => s.steps,
    column: 'loss',
    x: 'step',
    y: 'loss',
    title: 'loss per logging step',
    yFormat: '.4~r',
  },
];

/** The figures, in QUANTITIES order; empty when no stage logged a curve. */
export async function curveFigures(runs: readonly ReportRun[]): Promise<string[]> {
  const figures: string[] = [];
  for (const q of QUANTITIES) {
    const owners = runs.flatMap((run) =>
      run.stages.flatMap((s) => {
        const rows = q.table(s);
        return rows ? [{ run: run.label, stage: s.id, rows }] : [];
      }),
    );
    const manyRuns = new Set(owners.map((o) => o.run)).size > 1;
    const manyStages = new Set(owners.map((o) => o.stage)).size > 1;
    const legend = manyRuns && manyStages ? 'run · stage' : manyStages ? 'stage' : 'run';
    const label = (o: (typeof owners)[number]) =>
      manyRuns && manyStages ? `${o.run} · ${o.stage}` : manyStages ? o.stage : o.run;
    const rows = curveRows(
      owners.map((o) => ({ label: label(o), rows: o.rows })),
      q.column,
      q.x,
    );
    if (rows.length === 0) continue;
    const stages = [...new Set(owners.map((o) => o.stage))].join(', ');
    const spec = curveSpec({ title: `${q.title} (${stages})`, x: q.x, y: q.y, rows, legend, yFormat: q.yFormat });
    figures.push(await chartFigure(q.name, spec));
  }
  return figures;
}
