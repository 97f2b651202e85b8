// Writes the record of one `tfpipe run`: first as 'running' when the run starts, again after each stage (still
// 'running', with the stages so far), then complete when it ends (ok, failed or interrupted), from the executor's
// outcomes and the cache entries' manifests. The git state (git.ts) is read once, before the first write.
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CacheStore } from '../cache/store.ts';
import type { Fingerprint } from '../../stages/stage.ts';
import { loadStageKind } from '../../stages/registry.ts';
import { HOST_TAG } from '../../lib/fs/owner.ts';
import { TFPIPE_VERSION } from '../cache/version.ts';
import type { RunOutcome, StageOutcome } from '../exec/executor.ts';
import type { ExecutorRecord } from '../exec/stage-executor.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { newRunId, RUN_FORMAT, type RunRecord, type RunStageRecord, type SweepPosition } from './record.ts';
import { readGitState } from './git.ts';
import { registryHome, runsDir, writeRunRecord } from './registry.ts';

export interface RecordStart {
  spec: PipelineSpec;
  /** The --set arguments as given (a sweep's assignments included). */
  set: string[];
  sweep?: SweepPosition;
  /** tfpipe run --name (checked by runNameProblem). */
  name?: string;
  cache: CacheStore;
  backend: { requested: string; name: string };
  executor?: ExecutorRecord;
  now?: Date;
}

export interface RunRecorder {
  readonly id: string;
  readonly path: string;
  /** Adds a finished stage to the record (rewritten, still 'running'). */
  stageDone(stage: StageOutcome, backend: RunOutcome['backend']): Promise<void>;
  /** Completes the record from the run's outcome, or from an error thrown before or outside the stages. */
  finish(result: { outcome: RunOutcome } | { error: string }, exitCode: number): Promise<RunRecord>;
}

export async function startRunRecord(start: RecordStart): Promise<RunRecorder> {
  const dir = runsDir(start.cache.root);
  const started = start.now ?? new Date();
  let id = newRunId(started);
  while (await exists(join(dir, `${id}.json`))) id = newRunId(started);
  const git = await readGitState(dirname(start.spec.file), {
    ignore: [registryHome(start.cache.root), start.cache.root],
  });
  const record: RunRecord = {
    format: RUN_FORMAT,
    id,
    ...(start.name !== undefined ? { name: start.name } : {}),
    pipeline: { file: start.spec.file, name: start.spec.name },
    config: start.spec.resolved,
    set: start.set,
    ...(start.sweep ? { sweep: start.sweep } : {}),
    ...(git ? { git } : {}),
    started: started.toISOString(),
    tfpipe: TFPIPE_VERSION,
    status: 'running',
    backend: { ...start.backend },
    ...(start.executor ? { executor: start.executor } : {}),
    cacheRoot: start.cache.root,
    host: HOST_TAG,
    pid: process.pid,
    stages: [],
  };
  const path = await writeRunRecord(dir, record);
  const stages: RunStageRecord[] = [];
  return {
    id,
    path,
    async stageDone(s, backend) {
      stages.push(await stageRecord(s, backend, start));
      const device = backend ? { backend: { ...record.backend, device: backend.device } } : {};
      await writeRunRecord(dir, { ...record, ...device, stages });
    },
    async finish(result, exitCode) {
      const finished = new Date();
      const done: RunRecord = {
        ...record,
        finished: finished.toISOString(),
        seconds: (finished.getTime() - started.getTime()) / 1000,
        exitCode,
      };
      if ('error' in result) {
        Object.assign(done, { status: 'failed', error: result.error, stages: [...stages] });
      } else {
        const { outcome } = result;
        done.status = outcome.status;
        if (outcome.backend) done.backend = { ...done.backend, device: outcome.backend.device };
        done.stages = await Promise.all(outcome.stages.map((s) => stageRecord(s, outcome.backend, start)));
      }
      await writeRunRecord(dir, done);
      return done;
    },
  };
}

async function stageRecord(
  s: StageOutcome,
  backend: RunOutcome['backend'],
  start: RecordStart,
): Promise<RunStageRecord> {
  const stage: RunStageRecord = {
    id: s.id,
    kind: s.kind,
    fingerprint: s.fingerprint,
    action: s.action,
    seconds: s.seconds,
    metrics: s.metrics,
    summary: s.summary,
  };
  if (s.waited) stage.waited = true;
  if (s.pulled) stage.pulled = true;
  if (s.error !== undefined) stage.error = s.error;
  if (s.job) stage.job = s.job;
  const manifest =
    s.action === 'ran' || s.action === 'cached' ? await start.cache.peek(s.fingerprint as Fingerprint) : undefined;
  if (manifest) stage.tree = manifest.tree;
  const compute = manifest
    ? manifest.tree.backend !== undefined
    : (await loadStageKind(s.kind).catch(() => undefined))?.compute;
  if (compute) {
    stage.backend = manifest?.tree.backend ?? start.backend.name;
    if (s.action === 'ran' && backend) stage.device = backend.device;
  }
  return stage;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
