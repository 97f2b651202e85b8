// Where a stage's work happens. The coordinator (executePipeline) plans, checks the cache, and hands each stage that
// must run, once its inputs exist, to a StageExecutor: `local` runs it in this process (run-stage.ts), `slurm` submits
// it as a batch job (slurm/slurm-executor.ts). Both write the entry through the same store, lock and atomic rename;
// the coordinator then reads it from the cache like any other entry. Another scheduler (Kubernetes, say) is one more
// implementation of this interface: submit, follow, cancel.
import type { ArtifactRef } from '../../stages/stage.ts';
import type { PipelineSpec } from '../spec/types.ts';
import type { CacheStore } from '../cache/store.ts';
import type { BackendChoice } from './backend-choice.ts';
import type { RunListener } from './events.ts';
import type { StageFingerprint } from './fingerprints.ts';
import type { StageResult } from './run-stage.ts';
import type { RemoteSync } from './remote-sync.ts';

/** What the run record keeps of a stage run as a batch job. */
export interface StageJobRecord {
  /** The scheduler's job id, e.g. Slurm's "1234". */
  id: string;
  /** The scheduler's last word on it: COMPLETED, FAILED, CANCELLED, TIMEOUT … */
  state: string;
  node?: string;
  /** The job's output file (stdout and stderr). */
  log: string;
  /** ISO times: submitted by the coordinator; started and finished as the job itself saw them. */
  submitted: string;
  started?: string;
  finished?: string;
  /** The scheduler's exit code, "code:signal". */
  exitCode?: string;
}

/** What the run record keeps of the executor. */
export interface ExecutorRecord {
  name: 'local' | 'slurm';
  /** Scheduler settings the run used (partition …), not part of any fingerprint. */
  settings?: Record<string, unknown>;
}

export interface ExecutorContext {
  spec: PipelineSpec;
  cache: CacheStore;
  backend: BackendChoice;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  listener: RunListener;
  /** The run's remote cache, if any: where jobs on nodes without the shared folder leave their entries. */
  remote?: RemoteSync;
}

export interface StageExecutor {
  /**
   * false: one stage at a time, in plan order (one machine's cores serve one stage well);
   * true: every stage whose inputs exist runs at once (each gets its own job).
   */
  readonly parallel: boolean;
  /** Runs one stage whose inputs exist, into its cache entry; failures are results, never throws for a stage. */
  run(
    p: StageFingerprint,
    inputs: Record<string, ArtifactRef>,
    ctx: ExecutorContext,
  ): Promise<StageResult & { job?: StageJobRecord }>;
}
