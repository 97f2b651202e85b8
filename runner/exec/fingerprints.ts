// Fingerprints of every stage of a pipeline, computed without running anything: a stage's tree names its kind,
// implementation version, params, the fingerprints of the upstream outputs it reads, the content hashes of its
// input files, tfpipe's major.minor, the pipeline seed and, for compute stages, the backend and the versions of the
// packages that do its maths (tfjs-core, the backend's package, Dawn).
// `run`, `status` and `diff` all start here.
import { dirname } from 'node:path';
import type { Fingerprint, Stage, StageEnv } from '../../stages/stage.ts';
import { loadStageKind } from '../../stages/registry.ts';
import type { PipelineSpec, StageSpec } from '../spec/types.ts';
import { buildTree, fingerprintOf, hashFileDependencies } from '../cache/fingerprint.ts';
import type { FingerprintTree } from '../cache/fingerprint-tree.ts';
import type { BackendName } from '../../models/backend/select.ts';
import { runtimeVersions } from '../../models/backend/runtime-versions.ts';
import { topologicalOrder } from '../graph/plan.ts';
import { buildGraph } from '../graph/graph.ts';

/** An input file of a stage is missing or unreadable: the run cannot even be planned. */
export class StageInputError extends Error {
  constructor(
    readonly stageId: string,
    message: string,
  ) {
    super(`stage \`${stageId}\`: ${message}`);
  }
}

export interface StageFingerprint {
  spec: StageSpec;
  stage: Stage<any>;
  tree: FingerprintTree;
  fingerprint: Fingerprint;
}

export interface FingerprintOptions {
  /** Resolved backend name (never 'auto'): part of compute stages' fingerprints, with its runtime versions. */
  backend: BackendName;
  env: Readonly<Record<string, string | undefined>>;
  cacheRoot: string;
}

/** The fingerprint that names one output of a stage: what a downstream tree records for that input. */
export function outputFingerprint(stageFingerprint: Fingerprint, output: string): Fingerprint {
  return `${stageFingerprint}/${output}` as Fingerprint;
}

export async function computeFingerprints(
  spec: PipelineSpec,
  options: FingerprintOptions,
): Promise<Map<string, StageFingerprint>> {
  const byId = new Map(spec.stages.map((s) => [s.id, s]));
  const result = new Map<string, StageFingerprint>();
  const stageEnv: StageEnv = { env: options.env, baseDir: dirname(spec.file), cacheRoot: options.cacheRoot };
  const runtime = runtimeVersions(options.backend);
  for (const id of topologicalOrder(buildGraph(spec))) {
    const stageSpec = byId.get(id)!;
    const stage = await loadStageKind(stageSpec.kind);
    const inputs = Object.fromEntries(
      Object.entries(stageSpec.inputs).map(([port, binding]) => [
        port,
        outputFingerprint(result.get(binding.stage)!.fingerprint, binding.output),
      ]),
    );
    const hashed = await hashFileDependencies((await stage.files?.(stageSpec.params, stageEnv)) ?? [], {
      baseDir: stageEnv.baseDir,
    });
    if (!hashed.ok) throw new StageInputError(id, hashed.problem.message);
    const files = hashed.files;
    const tree = buildTree({
      kind: stageSpec.kind,
      version: stage.version,
      params: { ...stageSpec.params },
      inputs,
      files,
      seed: spec.seed,
      backend: stage.compute ? options.backend : undefined,
      runtime: stage.compute ? runtime : undefined,
    });
    result.set(id, { spec: stageSpec, stage, tree, fingerprint: fingerprintOf(tree) });
  }
  return result;
}
