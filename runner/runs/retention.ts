// Which recorded runs `tfpipe gc` keeps the cache for: the newest `keepRuns`, and those started at or after
// `since` (either rule keeps a run when both are given), and always every run still running, whatever its age,
// since it may yet read any entry its plan named. Pure: records in, records out.
//   keptRuns(records, { keepRuns: 2 })           the two newest, plus any run still running
//   keptRuns(records, { since: new Date(…) })    those started since then, plus any run still running
import type { RunRecord } from './record.ts';
import { effectiveStatus } from './registry.ts';

export interface RetentionPolicy {
  keepRuns?: number;
  since?: Date;
}

/** `records` oldest first (as readRunRecords gives them); the kept ones, in the same order. */
export function keptRuns(records: readonly RunRecord[], policy: RetentionPolicy): RunRecord[] {
  const from = policy.keepRuns === undefined ? records.length : Math.max(0, records.length - policy.keepRuns);
  const newest = new Set(records.slice(from));
  const since = policy.since?.getTime();
  return records.filter(
    (r) =>
      newest.has(r) ||
      (since !== undefined && Date.parse(r.started) >= since) ||
      // another host's run reads 'running' until it finishes: its pid can't be checked from here
      effectiveStatus(r) === 'running',
  );
}
