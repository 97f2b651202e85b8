// The coordinator of a run: each planned stage either comes from a verified cache entry or is handed to the executor
// (stage-executor.ts: this process, or a Slurm job), which runs it into a fresh entry. Stages get only their ctx,
// params and inputs. Failures are data (a RunOutcome), never process exits.
// With a remote cache (remote-sync.ts), a local miss is first pulled from it, and each stage that runs is pushed.
import { join } from 'node:path';
import type { ArtifactRef } from '../../stages/stage.ts';
import type { PipelineSpec } from '../spec/types.ts';
import type { CacheStore, LookupResult } from '../cache/store.ts';
import { writeLastState } from '../cache/state.ts';
import { kindInfo } from '../spec/kinds.ts';
import { computeFingerprints, type StageFingerprint } from './fingerprints.ts';
import { describeSystemError } from './system-errors.ts';
import { formatMB } from './format.ts';
import type { PlannedStage, RunListener } from './events.ts';
import type { BackendChoice } from './backend-choice.ts';
import type { RemoteSync } from './remote-sync.ts';
import type { StageExecutor, StageJobRecord } from './stage-executor.ts';
import { localExecutor } from './local-executor.ts';

export interface ExecuteOptions {
  spec: PipelineSpec;
  /** Stage ids to visit, in order (from plan()). */
  stages: string[];
  cache: CacheStore;
  /** Stages to recompute even when cached. */
  force: 'all' | ReadonlySet<string>;
  backend: BackendChoice;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  listener: RunListener;
  /** A remote cache to pull local misses from and push what runs to; not used by a dry run. */
  remote?: RemoteSync;
  /** Where stages run: this process (default) or a scheduler's jobs (stage-executor.ts). */
  executor?: StageExecutor;
  dryRun?: boolean;
  /**
   * Called with each stage's outcome as soon as it is known (in the order they end), so a
   * run record can be kept current: a run killed outright still lists what ran. Awaited; a rejection fails the run.
   */
  onStage?: (outcome: StageOutcome, backend: { name: string; device: string } | undefined) => Promise<void>;
}

export type StageOutcomeAction = 'ran' | 'cached' | 'would-run' | 'failed' | 'interrupted' | 'not-run';

export interface StageOutcome {
  id: string;
  kind: string;
  fingerprint: string;
  action: StageOutcomeAction;
  seconds: number;
  metrics: Record<string, unknown>;
  summary: string[];
  error?: string;
  /** action 'cached' only: another run wrote the entry while this one waited for its lock. */
  waited?: boolean;
  /** action 'cached' only: the entry was pulled from the remote cache by this run. */
  pulled?: boolean;
  /** The batch job the stage ran as (executors other than local). */
  job?: StageJobRecord;
}

export interface RunOutcome {
  status: 'ok' | 'failed' | 'interrupted';
  stages: StageOutcome[];
  /** What went wrong beside the stages and did not stop the run (e.g. a read-only cache's last-run index). */
  warnings?: string[];
  backend?: { name: string; device: string };
}

export async function executePipeline(options: ExecuteOptions): Promise<RunOutcome> {
  const { spec, cache, signal } = options;
  await cache.cleanStale();
  const prints = await computeFingerprints(spec, {
    backend: options.backend.name,
    env: options.env,
    cacheRoot: cache.root,
  });
  const forced = (id: string) => options.force === 'all' || options.force.has(id);

  // Which stages can be taken from the cache is decided up front (each entry verified once), so the progress
  // display knows the whole plan. Forced stages are not looked up.
  // A local miss that the remote cache has is pulled here, so it is planned as cached.
  const planned: PlannedStage[] = [];
  const found = new Map<string, LookupResult>();
  const pulled = new Set<string>();
  const remoteProblems = new Map<string, string>();
  const remote = options.dryRun ? undefined : options.remote;
  for (const id of options.stages) {
    const p = prints.get(id)!;
    if (!forced(id)) found.set(id, await cache.lookup(p.fingerprint));
    if (remote && !forced(id) && found.get(id)?.status !== 'hit' && !signal.aborted) {
      const got = await remote.pull(p.fingerprint, id);
      if (got.status === 'pulled') found.set(id, { status: 'hit', ...got.entry });
      if (got.status === 'pulled') pulled.add(id);
      if (got.status === 'unusable') remoteProblems.set(id, got.reason);
    }
    planned.push({ id, kind: p.spec.kind, action: found.get(id)?.status === 'hit' ? 'cached' : 'run' });
  }
  options.listener({ type: 'plan', stages: planned, parallel: options.executor?.parallel === true });

  const executor = options.executor ?? localExecutor();
  let backendInfo: { name: string; device: string } | undefined;
  const listener: RunListener = (event) => {
    if (event.type === 'backend') backendInfo = { name: event.name, device: event.device };
    options.listener(event);
  };
  const outcomes: StageOutcome[] = [];
  const outDirs = new Map<string, string>();
  let status: RunOutcome['status'] = 'ok';
  const warnings: string[] = [];
  // The last-run index only serves `tfpipe status`: a cache that cannot take it (read-only) still serves the run.
  const remember = async (id: string, p: StageFingerprint) => {
    try {
      await writeLastState(cache.root, spec.file, id, { fingerprint: p.fingerprint, tree: p.tree });
    } catch (error) {
      const why = describeSystemError(error) ?? (error as Error).message;
      if (!warnings.some((w) => w.startsWith('could not note')))
        warnings.push(`could not note the stages run for \`tfpipe status\` (${why})`);
    }
  };
  const unfinished = new Set(planned.map((s) => s.id));
  const settle = async (outcome: StageOutcome) => {
    outcomes.push(outcome);
    unfinished.delete(outcome.id);
    await options.onStage?.(outcome, backendInfo);
  };

  /** What every outcome of stage `id` starts from: nothing measured yet. */
  const baseOf = (id: string) => {
    const p = prints.get(id)!;
    return { id, kind: p.spec.kind, fingerprint: p.fingerprint, metrics: {}, summary: [] as string[] };
  };

  // One stage, once its in-plan inputs are done: from the cache, or run by the executor (then pushed).
  const visit = async (id: string) => {
    const p = prints.get(id)!;
    const base = baseOf(id);
    const entry = found.get(id);
    if (entry?.status === 'hit') {
      outDirs.set(id, entry.outDir);
      listener({ type: 'stage-cached', id, kind: p.spec.kind, ...(pulled.has(id) ? { pulled: true } : {}) });
      if (!options.dryRun) await remember(id, p);
      await settle({
        ...base,
        action: 'cached',
        seconds: 0,
        metrics: entry.manifest.metrics ?? {},
        summary: entry.manifest.summary ?? [],
        ...(pulled.has(id) ? { pulled: true } : {}),
      });
      return;
    }
    if (entry?.status === 'corrupt') listener({ type: 'stage-corrupt', id, reason: entry.reason });
    const remoteProblem = remoteProblems.get(id);
    if (remoteProblem !== undefined) listener({ type: 'stage-corrupt', id, reason: remoteProblem });
    // A dry run needs no inputs: fingerprints do not depend on upstream outputs, only on what produces them.
    if (options.dryRun) {
      await settle({ ...base, action: 'would-run', seconds: 0 });
      return;
    }
    const inputs = await resolveInputs(p, prints, outDirs, cache, remote);
    if (!inputs.ok) {
      listener({ type: 'stage-failed', id, seconds: 0, error: new Error(inputs.error) });
      status = 'failed';
      await settle({ ...base, action: 'failed', seconds: 0, error: inputs.error });
      return;
    }
    const {
      entry: written,
      job,
      ...outcome
    } = await executor.run(p, inputs.refs, {
      spec,
      cache,
      backend: options.backend,
      env: options.env,
      signal,
      listener,
      ...(remote ? { remote } : {}),
    });
    if (written) outDirs.set(id, written.outDir);
    if (outcome.action === 'ran' && written && remote && !signal.aborted) {
      const bytes = await remote.push(written, id);
      if (bytes > 0) listener({ type: 'stage-status', id, text: `pushed to ${remote.url} (${formatMB(bytes)})` });
    }
    if (outcome.action === 'failed' && status === 'ok') status = 'failed';
    if (outcome.action === 'interrupted' && status === 'ok') status = 'interrupted';
    if (outcome.action === 'ran' || outcome.action === 'cached') await remember(id, p);
    if (signal.aborted && status === 'ok') status = 'interrupted';
    await settle({ ...base, ...outcome, ...(job ? { job } : {}) });
  };

  // Stages start in plan order. The local executor runs one at a time; a parallel one (Slurm) starts every stage
  // whose in-plan inputs are done, so independent stages (lab 2's fine-tuning and LoRA) overlap. After a failure
  // or an interrupt nothing more starts; stages already running finish (their entries are kept).
  const waiting = planned.map((s) => s.id);
  const running = new Map<string, Promise<void>>();
  const needsNothing = (id: string) => options.dryRun || found.get(id)?.status === 'hit';
  const inputsDone = (id: string) =>
    Object.values(prints.get(id)!.spec.inputs).every((binding) => !unfinished.has(binding.stage));
  while (waiting.length > 0 || running.size > 0) {
    if (signal.aborted && status === 'ok') status = 'interrupted'; // nothing new starts after Ctrl-C
    for (const id of [...waiting]) {
      if (status !== 'ok') {
        waiting.splice(waiting.indexOf(id), 1);
        await settle({ ...baseOf(id), action: 'not-run', seconds: 0 });
        continue;
      }
      if (!executor.parallel && running.size > 0) break;
      if (!needsNothing(id) && !inputsDone(id)) continue;
      waiting.splice(waiting.indexOf(id), 1);
      running.set(
        id,
        visit(id).finally(() => running.delete(id)),
      );
      if (!executor.parallel) break;
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (waiting.length > 0 && status === 'ok') throw new Error(`no stage of ${waiting.join(', ')} can start`);
  }
  warnings.push(...(remote?.warnings() ?? []));
  const order = new Map(planned.map((s, i) => [s.id, i]));
  outcomes.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { status, stages: outcomes, backend: backendInfo, ...(warnings.length > 0 ? { warnings } : {}) };
}

type ResolvedInputs = { ok: true; refs: Record<string, ArtifactRef> } | { ok: false; error: string };

/**
 * Each input port → the folder of the upstream output; an upstream outside the plan must be in the cache (or in
 * the remote cache, then it is pulled).
 */
async function resolveInputs(
  p: StageFingerprint,
  prints: Map<string, StageFingerprint>,
  outDirs: Map<string, string>,
  cache: CacheStore,
  remote: RemoteSync | undefined,
): Promise<ResolvedInputs> {
  const refs: Record<string, ArtifactRef> = {};
  for (const [port, binding] of Object.entries(p.spec.inputs)) {
    const upstream = prints.get(binding.stage)!;
    let dir = outDirs.get(binding.stage);
    if (dir === undefined) {
      let found = await cache.lookup(upstream.fingerprint);
      if (found.status !== 'hit' && remote) {
        const got = await remote.pull(upstream.fingerprint, binding.stage);
        if (got.status === 'pulled') found = { status: 'hit', ...got.entry };
      }
      if (found.status !== 'hit') {
        return {
          ok: false,
          error: `stage \`${p.spec.id}\` needs \`${binding.stage}\`, which is not in the cache (${found.status}); run it first, e.g. with --to ${binding.stage}`,
        };
      }
      dir = found.outDir;
      outDirs.set(binding.stage, dir);
    }
    const output = kindInfo(upstream.spec.kind).outputs[binding.output];
    refs[port] = {
      type: output.type,
      dir: join(dir, output.path),
      fingerprint: p.tree.inputs[port],
      stage: binding.stage,
      output: binding.output,
    };
  }
  return { ok: true, refs };
}
