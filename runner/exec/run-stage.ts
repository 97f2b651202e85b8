// One stage's work: run its implementation into a fresh cache entry (store, lock, atomic rename), telling the
// listener as it goes. The local executor calls it in the `tfpipe run` process; `tfpipe exec-stage` calls it in a
// Slurm job, with a listener that writes the events to a file the coordinator follows.
import { dirname } from 'node:path';
import type { ArtifactRef, StageContext } from '../../stages/stage.ts';
import type { BackendName } from '../../models/backend/select.ts';
import type { CacheEntry, CacheStore } from '../cache/store.ts';
import { resumeKey } from '../cache/fingerprint.ts';
import { createProgressReporter } from './progress.ts';
import { createRng } from './rng.ts';
import { describeSystemError } from './system-errors.ts';
import type { RunListener } from './events.ts';
import type { StageFingerprint } from './fingerprints.ts';
import type { StageSpec } from '../spec/types.ts';
import { followCheckpoints, type CheckpointFollow, type CheckpointRemote } from './checkpoint-sync.ts';

export interface StageWorkOptions {
  cache: CacheStore;
  listener: RunListener;
  signal: AbortSignal;
  /** Resolved backend: the one in the stage's fingerprint. */
  backend: BackendName;
  env: Readonly<Record<string, string | undefined>>;
  /** The pipeline's seed and file (relative paths in params are relative to the file's folder). */
  seed: number;
  specFile: string;
  /** A remote cache for training checkpoints (checkpoint-sync.ts): pulled before, pushed while and after. */
  checkpoints?: CheckpointRemote;
}

/** The part of a StageOutcome a stage's work decides. */
export interface StageResult {
  action: 'ran' | 'cached' | 'failed' | 'interrupted';
  seconds: number;
  metrics: Record<string, unknown>;
  summary: string[];
  error?: string;
  /** action 'cached': another run wrote the entry while this one waited for its lock. */
  waited?: boolean;
  /** The entry, when the stage ran or another run wrote it meanwhile. */
  entry?: CacheEntry;
}

/** A stage as its work needs it: id, kind and params, the kind's implementation, and its fingerprint. */
export interface StageToRun extends Pick<StageFingerprint, 'stage' | 'tree' | 'fingerprint'> {
  spec: Pick<StageSpec, 'id' | 'kind' | 'params'>;
}

export async function runStageWork(
  p: StageToRun,
  inputs: Record<string, ArtifactRef>,
  options: StageWorkOptions,
): Promise<StageResult> {
  const { listener, cache } = options;
  const id = p.spec.id;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  listener({ type: 'stage-start', id, kind: p.spec.kind });
  let workDir: string | undefined; // where the stage writes, for file-system errors that name no path (ENOSPC)
  let checkpoints: CheckpointFollow | undefined;
  let finished = false;
  try {
    const key = resumeKey(p.tree, p.stage.resumeCompatible ?? []);
    const checkpointDir = await cache.checkpointDir(key);
    if (options.checkpoints && p.stage.resumeCompatible)
      checkpoints = await followCheckpoints(options.checkpoints, key, checkpointDir, (text) =>
        listener({ type: 'stage-status', id, text }),
      );
    const entry = await cache.write(
      p.fingerprint,
      p.tree,
      async (outDir, { scratchDir }) => {
        workDir = outDir;
        const ctx: StageContext = {
          stageId: id,
          signal: options.signal,
          log: {
            info: (message) => listener({ type: 'stage-log', id, level: 'info', message }),
            warn: (message) => listener({ type: 'stage-log', id, level: 'warn', message }),
            debug: () => {},
          },
          progress: createProgressReporter(id, listener),
          rng: createRng(options.seed, p.fingerprint),
          outDir,
          scratchDir,
          checkpointDir,
          backend: options.backend,
          env: options.env,
          baseDir: dirname(options.specFile),
          cacheRoot: cache.root,
        };
        const result = await p.stage.run(ctx, p.spec.params, inputs);
        options.signal.throwIfAborted();
        return result;
      },
      {
        signal: options.signal,
        onWait: (holder) =>
          listener({
            type: 'stage-status',
            id,
            text: `waiting for another run${holder ? ` (pid ${holder.pid})` : ''} writing the same entry`,
          }),
      },
    );
    finished = true;
    const metrics = entry.manifest.metrics ?? {};
    const summary = entry.manifest.summary ?? [];
    if (entry.origin === 'reused') {
      // another run wrote it (while we waited for its lock, or racing us to the rename): not this run's work
      listener({ type: 'stage-cached', id, kind: p.spec.kind, waited: entry.waited });
      return { action: 'cached', seconds: 0, metrics, summary, entry, ...(entry.waited ? { waited: true } : {}) };
    }
    listener({ type: 'stage-done', id, seconds: seconds(), metrics, summary });
    return { action: 'ran', seconds: seconds(), metrics, summary, entry };
  } catch (error) {
    if (options.signal.aborted) {
      listener({ type: 'stage-interrupted', id, seconds: seconds() });
      return { action: 'interrupted', seconds: seconds(), metrics: {}, summary: [] };
    }
    const system = describeSystemError(error, workDir ?? cache.root);
    const err = system !== undefined ? new Error(system) : error instanceof Error ? error : new Error(String(error));
    listener({ type: 'stage-failed', id, seconds: seconds(), error: err });
    return { action: 'failed', seconds: seconds(), metrics: {}, summary: [], error: err.message };
  } finally {
    await checkpoints?.stop(!finished);
  }
}
