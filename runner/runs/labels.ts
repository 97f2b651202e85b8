// What a run is called wherever runs are listed, compared or plotted (runs, show, diff, report legends):
//   runLabel(named 'baseline')                       → 'baseline'
//   runLabel(sweep run {stages.train.lr: 0.003})     → 'lr=0.003'
//   runLabel(sweep run named 'wide', lr 0.003)       → 'wide lr=0.003'
//   runLabel(plain run of lab1)                      → 'lab1'
// The id stays the handle a command takes; the label is what a reader recognises.
import type { RunRecord } from './record.ts';

/** The name given with --name and the swept values, or undefined when the run has neither. */
export function givenLabel(record: RunRecord): string | undefined {
  const parts = [record.name, record.sweep ? sweepLabel(record.sweep.assignments) : undefined];
  const label = parts.filter((p) => p !== undefined && p !== '').join(' ');
  return label === '' ? undefined : label;
}

/** A short name for one run: its given label, else its pipeline's name. */
export function runLabel(record: RunRecord): string {
  return givenLabel(record) ?? record.pipeline.name;
}

/**
 * Labels for runs shown together (a chart legend, a table), one per record and all distinct: where runLabel repeats
 * (two unnamed runs of lab1), the repeated ones get their id's time and random part, `lab1 071502-ab12`.
 */
export function runLabels(records: readonly RunRecord[]): string[] {
  const labels = records.map(runLabel);
  return labels.map((label, i) =>
    labels.filter((l) => l === label).length > 1 ? `${label} ${records[i].id.slice(-11)}` : label,
  );
}

/** How diff and show head a run: `run <id> (lab1)`, or `lr=0.003 (run <id>, lab1)` when it has a given label. */
export function describeRun(record: RunRecord): string {
  const given = givenLabel(record);
  return given === undefined
    ? `run ${record.id} (${record.pipeline.name})`
    : `${given} (run ${record.id}, ${record.pipeline.name})`;
}

/**
 * `{'stages.train.lr': 0.003, 'stages.train.bidirectional': true}` → 'lr=0.003 bidirectional=true': each swept
 * path by its last key, or by more of it where two swept paths end in the same key (`train.lr=… finetune.lr=…`).
 */
export function sweepLabel(assignments: Record<string, unknown>): string {
  const paths = Object.keys(assignments);
  const segments = paths.map((p) => p.replace(/^stages\./, '').split('.'));
  return paths
    .map((path, i) => {
      let take = 1;
      const tail = (s: string[], n: number) => s.slice(-n).join('.');
      while (take < segments[i].length && segments.some((s, j) => j !== i && tail(s, take) === tail(segments[i], take)))
        take += 1;
      return `${tail(segments[i], take)}=${formatParam(assignments[path])}`;
    })
    .join(' ');
}

/** A param or swept value: strings as written, other values as JSON (`[64,32]`, `true`); numbers as JavaScript prints them (`0.003`). */
export function formatParam(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
