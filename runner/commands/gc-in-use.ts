// What `tfpipe gc` must keep: the cache entries, checkpoint folders and Slurm job folders that the kept runs and
// the current pipeline files use.
//   a kept run        every fingerprint its record lists, the resume key of each stage whose tree it kept, its
//                     job folder (named by its id)
//   a pipeline file   every stage's current fingerprint and resume key, as `tfpipe run` would compute them now:
//                     the files named by kept runs that still exist (with the backend the run used, plain and with
//                     the run's --set/--sweep values), and those named on gc's command line
// Resume keys are computed exactly as run-stage.ts does (resumeKey(tree, stage.resumeCompatible ?? [])), for
// every stage, since every stage's run creates its checkpoint folder.
import { existsSync } from 'node:fs';
import type { BackendName } from '../../models/backend/select.ts';
import { loadStageKind } from '../../stages/registry.ts';
import { resumeKey, type FingerprintTree } from '../cache/fingerprint.ts';
import { computeFingerprints } from '../exec/fingerprints.ts';
import type { RunRecord } from '../runs/record.ts';
import { loadPipeline } from '../spec/load.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { BACKENDS } from './common.ts';

export interface InUse {
  fingerprints: Set<string>;
  resumeKeys: Set<string>;
  runIds: Set<string>;
  /** Pipeline files whose current fingerprints were computed. */
  files: Set<string>;
}

export interface InUseOptions {
  env: Readonly<Record<string, string | undefined>>;
  cacheRoot: string;
  /** A kept run's pipeline file that could not be read now: its recorded fingerprints are still kept. */
  warn(message: string): void;
}

/** `named`: the pipeline files on the command line, loaded and with their backend resolved. */
export async function cacheInUse(
  kept: readonly RunRecord[],
  named: readonly { spec: PipelineSpec; backend: BackendName }[],
  options: InUseOptions,
): Promise<InUse> {
  const used: InUse = { fingerprints: new Set(), resumeKeys: new Set(), runIds: new Set(), files: new Set() };
  const keep = async (fingerprint: string, kind: string, tree: FingerprintTree | undefined) => {
    used.fingerprints.add(fingerprint);
    if (tree === undefined) return;
    const stage = await loadStageKind(kind).catch(() => undefined);
    if (stage) used.resumeKeys.add(resumeKey(tree, stage.resumeCompatible ?? []));
  };
  for (const record of kept) {
    used.runIds.add(record.id);
    for (const s of record.stages) await keep(s.fingerprint, s.kind, s.tree);
  }
  const addSpec = async (spec: PipelineSpec, backend: BackendName) => {
    const prints = await computeFingerprints(spec, { backend, env: options.env, cacheRoot: options.cacheRoot });
    for (const p of prints.values()) await keep(p.fingerprint, p.spec.kind, p.tree);
    used.files.add(spec.file);
  };
  for (const { spec, backend } of named) await addSpec(spec, backend);

  // One computation per distinct (file, backend, --set): a sweep's runs share the plain file.
  const seen = new Set<string>();
  for (const record of kept) {
    const file = record.pipeline.file;
    const name = record.backend.name;
    if (!existsSync(file) || name === 'auto' || !(BACKENDS as readonly string[]).includes(name)) continue;
    const backend = name as BackendName;
    for (const set of record.set.length > 0 ? [[], record.set] : [[]]) {
      const key = JSON.stringify([file, backend, set]);
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const loaded = await loadPipeline(file, { set, env: options.env });
        if (!loaded.ok) throw new Error(`it has ${loaded.problems.length} problem(s) (tfpipe validate)`);
        await addSpec(loaded.spec, backend);
      } catch (error) {
        const how = set.length > 0 ? ` with ${set.join(' ')}` : '';
        options.warn(`${file}${how}: its current stages are not kept (${(error as Error).message})`);
      }
    }
  }
  return used;
}
