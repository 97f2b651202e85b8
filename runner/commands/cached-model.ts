// What `predict` and `export` start from: a pipeline file and the id of a stage that makes a model (train, finetune,
// lora) → that stage's model as it sits in the cache, found by the fingerprint `tfpipe run` would give it (same
// --set values, backend and cache). Nothing is run: a model that is not cached is an error naming the command that
// makes it.
import { dirname, join, relative } from 'node:path';
import type { ArtifactRef, StageContext } from '../../stages/stage.ts';
import type { PipelineSpec, StageSpec } from '../spec/types.ts';
import { kindInfo } from '../spec/kinds.ts';
import { didYouMean, joinHints } from '../spec/suggest.ts';
import { computeFingerprints } from '../exec/fingerprints.ts';
import { backendChoice, type ResolvedBackend } from '../exec/backend.ts';
import { createRng } from '../exec/rng.ts';
import type { BackendChoice } from '../exec/backend-choice.ts';
import type { Manifest } from '../cache/manifest.ts';
import { loadSpecOrReport, openCache, requestedBackend } from './common.ts';
import { CommandFailure, UsageError, type CommandIO } from './io.ts';

export interface CachedModel {
  spec: PipelineSpec;
  stage: StageSpec;
  /** The model output of the stage's cache entry. */
  model: ArtifactRef;
  backend: BackendChoice & ResolvedBackend;
  cacheRoot: string;
  /** The cache entry's manifest: when it was made, the stage's metrics. */
  manifest: Manifest;
}

export interface CachedModelRequest {
  file: string | undefined;
  stageId: string | undefined;
  sets: string[];
  backendFlag?: string;
  cacheDirFlag?: string;
}

/** null when the pipeline file is invalid (its problems are already printed). */
export async function findCachedModel(
  io: CommandIO,
  request: CachedModelRequest,
  command: string,
): Promise<CachedModel | null> {
  if (!request.file || !request.stageId)
    throw new UsageError(`tfpipe ${command} takes a pipeline file and the id of a stage that makes a model`);
  const spec = await loadSpecOrReport(io, request.file, request.sets);
  if (!spec) return null;
  const stage = spec.stages.find((s) => s.id === request.stageId);
  const modelStages = spec.stages.filter((s) => modelOutput(s) !== undefined).map((s) => s.id);
  const choices =
    modelStages.length > 0
      ? `stages that make a model: ${modelStages.join(', ')}`
      : 'no stage of this pipeline makes a model';
  if (!stage)
    throw new UsageError(
      `${request.file} has no stage \`${request.stageId}\`; ${joinHints(
        didYouMean(
          request.stageId,
          spec.stages.map((s) => s.id),
        ),
        choices,
      )}`,
    );
  const output = modelOutput(stage);
  if (output === undefined)
    throw new UsageError(`stage \`${stage.id}\` (kind ${stage.kind}) does not make a model; ${choices}`);

  const cache = openCache(io, request.cacheDirFlag);
  const backend = await backendChoice(requestedBackend(io, request.backendFlag, spec), {
    cacheRoot: cache.root,
    env: io.env,
  });
  const print = (await computeFingerprints(spec, { backend: backend.name, env: io.env, cacheRoot: cache.root })).get(
    stage.id,
  )!;
  const found = await cache.lookup(print.fingerprint);
  if (found.status !== 'hit') {
    const why =
      found.status === 'corrupt'
        ? `its cache entry is damaged (${found.reason})`
        : `it is not in the cache (backend ${backend.name})`;
    const file = relative(io.cwd, spec.file) || spec.file;
    throw new CommandFailure(
      `stage \`${stage.id}\` has no model to use: ${why}; make it with \`tfpipe run ${file} --to ${stage.id}${request.sets.map((s) => ` --set ${s}`).join('')}\``,
    );
  }
  const model: ArtifactRef = {
    type: 'model',
    dir: join(found.outDir, kindInfo(stage.kind).outputs[output].path),
    fingerprint: print.fingerprint,
    stage: stage.id,
    output,
  };
  return { spec, stage, model, backend, cacheRoot: cache.root, manifest: found.manifest };
}

/** A stage context for model code run outside a pipeline run: no outputs, progress and logs go nowhere. */
export function commandStageContext(io: CommandIO, found: CachedModel): StageContext {
  return {
    stageId: found.stage.id,
    signal: io.signal,
    log: { info: () => {}, warn: (message) => io.err(`warning: ${message}\n`), debug: () => {} },
    progress: { start: () => {}, update: () => {}, status: () => {} },
    rng: createRng(found.spec.seed, found.model.fingerprint),
    outDir: '',
    scratchDir: '',
    checkpointDir: '',
    backend: found.backend.name,
    env: io.env,
    baseDir: dirname(found.spec.file),
    cacheRoot: found.cacheRoot,
  };
}

/** The stage's output that is a model (its default output when that is one), or undefined. */
function modelOutput(stage: StageSpec): string | undefined {
  const info = kindInfo(stage.kind);
  if (info.outputs[info.defaultOutput].type === 'model') return info.defaultOutput;
  return Object.keys(info.outputs).find((name) => info.outputs[name].type === 'model');
}
