// What a Slurm job needs to run one stage, resolved by the coordinator: the stage (kind, params), its fingerprint
// and tree, where each input lives (by the upstream entry's fingerprint, so a job on a node with its own cache can
// find or pull it), the seed, the backend, and where to write. It travels inside the batch script (sbatch copies
// the script to the controller), so a node needs no shared folder to read it.
import type { ArtifactType, Fingerprint } from '../../../stages/stage.ts';
import type { FingerprintTree } from '../../cache/fingerprint-tree.ts';
import type { BackendName } from '../../../models/backend/select.ts';

export const JOB_FORMAT = 'tfpipe-job/1';

export interface StageJobInput {
  /** The upstream stage, its entry's fingerprint, and the output's folder inside that entry. */
  stage: string;
  entry: Fingerprint;
  output: string;
  path: string;
  type: ArtifactType;
  /** The output's fingerprint, as the stage's tree records it. */
  fingerprint: Fingerprint;
}

export interface StageJob {
  format: typeof JOB_FORMAT;
  /** The coordinator's tfpipe version: a node with another install refuses the job. */
  tfpipe: string;
  run: string;
  stage: { id: string; kind: string; params: Record<string, unknown> };
  fingerprint: Fingerprint;
  tree: FingerprintTree;
  inputs: Record<string, StageJobInput>;
  seed: number;
  /** The pipeline file: relative paths in params are relative to its folder. */
  specFile: string;
  backend: BackendName;
  /** The cache the job writes its entry into: the run's own (shared), or a node-local one (executor.job_cache). */
  cacheRoot: string;
  /** The remote cache (s3://…) a job with a node-local cache pulls its inputs from and pushes its entry to. */
  remote?: string;
  /** Where the job appends its events (JSON lines) for the coordinator to follow, when the folder is shared. */
  events?: string;
}

/** The job from the text of a job file; a message saying what is wrong otherwise. */
export function parseStageJob(text: string, source: string): StageJob {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not a tfpipe job (${(error as Error).message})`);
  }
  const job = value as Partial<StageJob>;
  if (job?.format !== JOB_FORMAT)
    throw new Error(`${source} is not a ${JOB_FORMAT} job (format ${JSON.stringify(job?.format)})`);
  for (const key of ['tfpipe', 'run', 'stage', 'fingerprint', 'tree', 'inputs', 'specFile', 'backend', 'cacheRoot'])
    if (job[key as keyof StageJob] === undefined) throw new Error(`${source}: the job has no \`${key}\``);
  return job as StageJob;
}

/** The batch script: runs `command` with the job on its standard input (a here-document, so the job travels in it). */
export function batchScript(job: StageJob, command: string[]): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    '#!/bin/sh',
    `# tfpipe: stage ${job.stage.id} (${job.stage.kind}) of run ${job.run}`,
    `exec ${command.map(quote).join(' ')} exec-stage - <<'TFPIPE_JOB'`,
    JSON.stringify(job), // one line: JSON escapes every newline, so it cannot end the here-document
    'TFPIPE_JOB',
    '',
  ].join('\n');
}
