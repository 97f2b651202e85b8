// What the executor tells the outside world while a pipeline runs. Renderers (listr2 on a TTY, plain lines
// otherwise) and the run record listen; the executor itself never prints.
export type StageAction = 'run' | 'cached' | 'input-from-cache';

export interface PlannedStage {
  id: string;
  kind: string;
  /** Known before the run: 'cached' when a verified entry exists and the stage is not forced. */
  action: StageAction;
}

export interface ProgressSnapshot {
  done: number;
  total: number;
  unit: string;
  label?: string;
  /** Units per second since start(). */
  rate: number;
  /** Seconds left at that rate, or null before any progress. */
  etaSeconds: number | null;
  /** Seconds left for the whole stage, where the stage said where the bar sits in it (epochs). */
  stageEtaSeconds?: number;
  extra?: string;
}

export type RunEvent =
  /** parallel: stages whose inputs are done run at once (a scheduler's jobs), not one after another. */
  | { type: 'plan'; stages: PlannedStage[]; parallel?: boolean }
  | { type: 'backend'; name: string; device: string }
  | { type: 'stage-start'; id: string; kind: string }
  /** waited: the entry was written by another run while this one waited for it (after a stage-start). */
  /** pulled: this run took the entry from the remote cache (every file checked against its manifest). */
  | { type: 'stage-cached'; id: string; kind: string; waited?: boolean; pulled?: boolean }
  | { type: 'stage-corrupt'; id: string; reason: string }
  /** The stage's batch job changed state (submitted → PENDING → RUNNING → COMPLETED …); node once it has one. */
  | { type: 'stage-job'; id: string; job: string; state: string; node?: string }
  | { type: 'stage-progress'; id: string; progress: ProgressSnapshot }
  | { type: 'stage-status'; id: string; text: string }
  | { type: 'stage-log'; id: string; level: 'info' | 'warn'; message: string }
  | { type: 'stage-done'; id: string; seconds: number; metrics: Record<string, unknown>; summary: string[] }
  | { type: 'stage-failed'; id: string; seconds: number; error: Error }
  | { type: 'stage-interrupted'; id: string; seconds: number };

export type RunListener = (event: RunEvent) => void;
