// What a run is called in headings and chart legends. A sweep's runs differ by their swept values, so those are
// the name (`lr=0.003, r=8`); otherwise the pipeline's name, with the run id's tail when two runs share it.
// Local to the report until a shared runLabel exists (issue 16 item 2); then this file gives way to it.
import type { RunRecord } from '../runs/record.ts';

/** `lr=0.003` for the swept path `stages.train.lr`: the last segment names it well enough in a legend. */
export function sweepLabel(assignments: Record<string, unknown>): string {
  return Object.entries(assignments)
    .map(([path, value]) => `${path.split('.').at(-1)}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** One label per record, in order, all distinct when the records are. */
export function runLabels(records: readonly RunRecord[]): string[] {
  const base = records.map((r) => (r.sweep ? sweepLabel(r.sweep.assignments) : r.pipeline.name));
  return base.map((label, i) =>
    base.filter((b) => b === label).length > 1 ? `${label} ${records[i].id.slice(-11)}` : label,
  );
}
