// The validated pipeline, as the rest of the runner sees it. Produced by loadPipeline() (runner/spec/load.ts)
// in steps: parse (YAML with positions, extends, vars, --set) → schema (ajv, defaults filled) → rules → the checks
// a run would otherwise make later (input files, labels, params).
import type { ArtifactType } from '../../stages/stage.ts';

export interface SourceLocation {
  file: string;
  /** 1-based line and column. */
  line: number;
  col: number;
  /** The text of that line, for the caret display. */
  lineText: string;
}

export type ProblemCode =
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'unknown-key'
  | 'wrong-type'
  | 'bad-enum'
  | 'schema'
  | 'missing-key'
  | 'unknown-kind'
  | 'unknown-stage'
  | 'unknown-output'
  | 'wrong-artifact-type'
  | 'cycle'
  | 'extends-loop'
  | 'extends-missing'
  | 'bad-var'
  | 'bad-set'
  | 'file-not-found'
  | 'file-unreadable'
  | 'bad-file-name'
  | 'forbidden-key'
  | 'input-not-found'
  | 'input-not-usable'
  | 'needs-labels'
  | 'bad-value';

/** One thing wrong with a pipeline, and where. */
export interface SpecProblem {
  code: ProblemCode;
  message: string;
  location?: SourceLocation;
  /** e.g. "did you mean `min_freq`?" or "allowed: auto, cpu, wasm, webgpu, tensorflow". */
  hint?: string;
}

/** An input port bound to an upstream output, e.g. `input: split.train`. */
export interface InputBinding {
  stage: string;
  /** The output name; `upstream` alone binds the upstream kind's default output. */
  output: string;
  type: ArtifactType;
}

export interface StageSpec {
  id: string;
  kind: string;
  /** Free text; not part of the fingerprint. */
  description?: string;
  /** Every key but kind, description and the single-ref input ports, after defaults (the fingerprinted params). */
  params: Record<string, unknown>;
  /** Port name (the YAML key, e.g. `input`, `vocab`) → the upstream output it names. */
  inputs: Record<string, InputBinding>;
  location: SourceLocation;
}

export interface PipelineSpec {
  /** Absolute path of the pipeline file given on the command line. */
  file: string;
  name: string;
  description?: string;
  backend: 'auto' | 'cpu' | 'wasm' | 'webgpu' | 'tensorflow';
  seed: number;
  /** `remote: s3://bucket/prefix`, a shared cache that runs pull from and push to (runner/cache/remote). */
  remote?: string;
  /** `executor:`, where stages run (runner/exec/stage-executor.ts); not part of any fingerprint. */
  executor?: ExecutorSettings;
  /** Stages in file order. */
  stages: StageSpec[];
  /** The whole config after extends, vars, --set and defaults (what the run record keeps and diff compares). */
  resolved: Record<string, unknown>;
}

export type LoadResult = { ok: true; spec: PipelineSpec } | { ok: false; problems: SpecProblem[] };

export interface LoadOptions {
  /** `--set path=value` arguments, in order; values are YAML scalars. */
  set?: string[];
  /** Folder of the stage schemas (default: the repo's schemas/stages); tests point it at a copy with extra kinds. */
  schemasDir?: string;
  /** The environment, for `~` in a model folder (HOME); without it such paths are not checked. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What a stage's batch job asks the scheduler for (sbatch options); absent keys are the scheduler's defaults. */
export interface JobResources {
  partition?: string;
  gres?: string;
  cpus?: number;
  mem?: string;
  time?: string;
  account?: string;
  /** More sbatch options, one argument each. */
  sbatch?: string[];
}

/** The `executor:` block: which executor, its job settings, and per kind / per stage settings over them. */
export interface ExecutorSettings extends JobResources {
  name: 'local' | 'slurm';
  kinds?: Record<string, JobResources>;
  stages?: Record<string, JobResources>;
  /** A node-local cache folder for jobs on nodes without the shared file system (with a remote cache). */
  job_cache?: string;
}
