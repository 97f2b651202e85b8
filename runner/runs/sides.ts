// The two things `tfpipe diff` compares, each turned into a DiffSide (compare.ts):
//   a pipeline file — fingerprints computed now (nothing runs); metrics from the cache entries present
//   a recorded run  — its resolved config, the fingerprints and metrics it recorded; labelled by its name or swept
//                     values when it has them (labels.ts)
// Metrics are the manifest's (what the stage returned) plus the scalar members of a metrics.json in the entry.
import type { Fingerprint } from '../../stages/stage.ts';
import type { CacheStore } from '../cache/store.ts';
import type { FingerprintTree } from '../cache/fingerprint-tree.ts';
import { computeFingerprints } from '../exec/fingerprints.ts';
import type { PipelineSpec } from '../spec/types.ts';
import type { BackendName } from '../../models/backend/select.ts';
import type { DiffSide, SideStage } from './compare.ts';
import { readEntryFiles, scalarMetrics } from './entry-files.ts';
import { describeRun } from './labels.ts';
import type { RunRecord } from './record.ts';

export interface SpecSideOptions {
  label: string;
  backend: BackendName;
  env: Readonly<Record<string, string | undefined>>;
  cache: CacheStore;
}

export async function sideFromSpec(spec: PipelineSpec, options: SpecSideOptions): Promise<DiffSide> {
  const prints = await computeFingerprints(spec, {
    backend: options.backend,
    env: options.env,
    cacheRoot: options.cache.root,
  });
  const stages: SideStage[] = [];
  for (const s of spec.stages) {
    const p = prints.get(s.id)!;
    const manifest = await options.cache.peek(p.fingerprint);
    const stage: SideStage = {
      id: s.id,
      kind: s.kind,
      fingerprint: p.fingerprint,
      tree: p.tree,
      upstreamOf: Object.fromEntries(Object.entries(s.inputs).map(([port, b]) => [port, b.stage])),
    };
    if (manifest) stage.metrics = await withEntryMetrics(options.cache.root, p.fingerprint, manifest.metrics ?? {});
    stages.push(stage);
  }
  return { label: options.label, config: spec.resolved, stages };
}

export async function sideFromRun(record: RunRecord, cache: CacheStore): Promise<DiffSide> {
  const stageOfFingerprint = new Map(record.stages.map((s) => [s.fingerprint, s.id]));
  const stages: SideStage[] = [];
  for (const s of record.stages) {
    const tree: FingerprintTree | undefined =
      s.tree ?? (await cache.peek(s.fingerprint as Fingerprint).catch(() => undefined))?.tree;
    const produced = s.action === 'ran' || s.action === 'cached';
    const stage: SideStage = {
      id: s.id,
      kind: s.kind,
      fingerprint: s.fingerprint,
      upstreamOf: upstreamsOf(tree, stageOfFingerprint),
    };
    if (tree) stage.tree = tree;
    if (produced) stage.metrics = await withEntryMetrics(record.cacheRoot ?? cache.root, s.fingerprint, s.metrics);
    stages.push(stage);
  }
  return { label: describeRun(record), config: record.config, stages };
}

/** tree.inputs holds `<upstream fingerprint>/<output>`: map it back to the stage of this run that had it. */
function upstreamsOf(
  tree: FingerprintTree | undefined,
  stageOfFingerprint: Map<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [port, fp] of Object.entries(tree?.inputs ?? {})) {
    out[port] = stageOfFingerprint.get(fp.split('/')[0]) ?? port;
  }
  return out;
}

async function withEntryMetrics(
  cacheRoot: string,
  fingerprint: string,
  metrics: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const files = await readEntryFiles(cacheRoot, fingerprint);
  return { ...scalarMetrics(files.metricsJson), ...metrics };
}
