// The Stage interface: what every stage kind implements and all the runner knows about it.
// A stage reads only what it is handed — ctx, params, inputs — and writes only under ctx.outDir.
// Which artifacts a kind consumes and produces is declared in its schema (schemas/stages/<kind>.schema.json,
// keywords `x-input` and `x-outputs`), not here, so the editor schema, the validator and the runner agree.

export type ArtifactType = 'dataset' | 'splits' | 'vocab' | 'tokens' | 'model' | 'metrics' | 'text' | 'predictions';
export const ARTIFACT_TYPES: readonly ArtifactType[] = [
  'dataset',
  'splits',
  'vocab',
  'tokens',
  'model',
  'metrics',
  'text',
  'predictions',
];

export type Fingerprint = string & { __brand: 'Fingerprint' };

/** One upstream output, resolved to a folder in the cache. */
export interface ArtifactRef {
  type: ArtifactType;
  /** The folder holding the artifact's files (read-only for consumers). */
  dir: string;
  /** The producing stage's fingerprint plus the output name: changes whenever the content may change. */
  fingerprint: Fingerprint;
  stage: string;
  output: string;
}

/**
 * The input key of the i-th ref listed under `name` in a port of named lists (compare's `rows`): the stage finds
 * its inputs by it, and a fingerprint records each one apart.
 */
export function listInputKey(port: string, name: string, index: number): string {
  return `${port}/${name}/${index}`;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Progress of a long stage: `total` units (rows, batches, bytes) with an optional unit name. */
export interface ProgressReporter {
  /**
   * A new bar of `total` units. `within`: where this bar sits in the whole stage, in the stage's own steps (epoch 3
   * of 5 is {done: 2, total: 5}), so the ETA shown covers the stage, not the bar; bars without it (validation)
   * count down the last stage ETA.
   */
  start(total: number, unit?: string, label?: string, within?: { done: number; total: number }): void;
  update(done: number, extra?: string): void;
  /** A one-line status without a bar, e.g. "epoch 2/5 valid_acc 0.81". */
  status(text: string): void;
}

/** Deterministic PRNG handed to each stage, seeded from the pipeline seed and the stage id. */
export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A 32-bit seed for a sub-generator. */
  fork(label: string): number;
}

export interface StageContext {
  /** The stage id in the pipeline (the key under `stages:`). */
  stageId: string;
  signal: AbortSignal;
  log: Logger;
  progress: ProgressReporter;
  rng: Rng;
  /** Empty folder the stage writes its outputs into; it becomes the cache entry only if run() resolves. */
  outDir: string;
  /** Scratch folder for temporary files; removed after the stage, whatever the outcome. */
  scratchDir: string;
  /**
   * Folder that survives interruption, keyed by the fingerprint without the stage's resume-compatible params
   * (see Stage.resumeCompatible): training checkpoints live here.
   */
  checkpointDir: string;
  /** Backend the run selected for compute stages ('cpu', 'wasm', ...); informational for data stages. */
  backend: string;
  /** Environment the stage may consult (TFPIPE_DATA, HF_HOME, ...): handed in, never read from process.env. */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder of the pipeline file, against which relative paths in params resolve. */
  baseDir: string;
  /** Root of the cache, for stages that keep downloads there (`<cacheRoot>/downloads`). */
  cacheRoot: string;
}

/** What a finished stage reports: metrics go into manifest.json and the run record; text into the summary. */
export interface StageResult {
  metrics?: Record<string, number | string | boolean | null>;
  summary?: string[];
}

export interface FileDependency {
  /** Absolute path of a file whose bytes the output depends on. */
  path: string;
  /** Known sha256 of the content, when it is pinned (a catalog download not fetched yet). */
  sha256?: string;
  /**
   * How the fingerprint names the file, when its path is incidental: a catalog dataset is the same content whether
   * it comes from $TFPIPE_DATA or a download, wherever those live. Default: the path (relative to the pipeline
   * folder when inside it).
   */
  key?: string;
}

export interface Stage<P = Record<string, unknown>> {
  kind: string;
  /** Bumped whenever the implementation changes what it outputs; part of the fingerprint. */
  version: number;
  /** Compute stages run tensor code: the backend is part of their fingerprint. */
  compute: boolean;
  /** Params that may change without invalidating checkpoints (e.g. `epochs`: raising it continues training). */
  resumeCompatible?: readonly string[];
  /** Input files whose content the output depends on, resolved from params (the `load` stage's path). */
  files?(params: P, env: StageEnv): Promise<FileDependency[]> | FileDependency[];
  run(ctx: StageContext, params: P, inputs: Record<string, ArtifactRef>): Promise<StageResult>;
}

/** What `files()` may consult: no ctx exists yet when fingerprints are computed. */
export interface StageEnv {
  env: Readonly<Record<string, string | undefined>>;
  baseDir: string;
  cacheRoot: string;
}
