// `tfpipe exec-stage FILE|-` (hidden): what a Slurm job runs. Reads the resolved stage (slurm/stage-job.ts) from FILE
// or standard input, checks that this install computes what the fingerprint promises (same tfpipe, same stage
// version, same runtime packages), finds its inputs (in the cache, else pulled from the remote cache), runs the
// stage into its entry through the same store, lock and atomic rename as a local run, and pushes the entry where
// there is a remote. Events go to the job's events file (followed by the coordinator) and, as plain lines, to the
// job's log. SIGTERM (scancel) interrupts the stage: nothing half-written is kept.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef } from '../../stages/stage.ts';
import { loadStageKind } from '../../stages/registry.ts';
import { CacheStore } from '../cache/store.ts';
import { TFPIPE_VERSION } from '../cache/version.ts';
import { canonicalJson } from '../cache/canonical.ts';
import { runtimeVersions } from '../../models/backend/runtime-versions.ts';
import { backendChoice } from '../exec/backend.ts';
import { runStageWork, type StageResult } from '../exec/run-stage.ts';
import { createPlainRenderer } from '../exec/render-plain.ts';
import { createRemoteSync, type RemoteSync } from '../exec/remote-sync.ts';
import { openRemote } from '../cache/remote/open.ts';
import { jobEventWriter } from '../exec/slurm/job-events.ts';
import { parseStageJob, type StageJob } from '../exec/slurm/stage-job.ts';
import type { RunListener } from '../exec/events.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

export async function execStageCommand(argv: string[], io: CommandIO): Promise<number> {
  if (argv.length !== 1) throw new UsageError('tfpipe exec-stage takes one job file (or - for standard input)');
  const source = argv[0] === '-' ? 'the job on standard input' : argv[0];
  const text = argv[0] === '-' ? ((await io.stdin?.()) ?? '') : await readFile(argv[0], 'utf8');
  const job = parseStageJob(text, source);
  const started = new Date();
  const events = jobEventWriter(job.events);
  const plain = createPlainRenderer((line) => io.out(line + '\n'));
  const listener: RunListener = (event) => {
    events.listener(event);
    plain(event);
  };
  let result: Pick<StageResult, 'action' | 'seconds' | 'error'>;
  try {
    result = await execute(job, io, listener);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`tfpipe exec-stage: ${message}\n`);
    result = { action: io.signal.aborted ? 'interrupted' : 'failed', seconds: 0, error: message };
  }
  events.result({
    type: 'job-result',
    action: result.action,
    seconds: result.seconds,
    ...(result.error !== undefined ? { error: result.error } : {}),
    started: started.toISOString(),
    finished: new Date().toISOString(),
    host: hostname(),
  });
  if (result.action === 'interrupted') return EXIT.interrupted;
  return result.action === 'failed' ? EXIT.failed : EXIT.ok;
}

async function execute(job: StageJob, io: CommandIO, listener: RunListener): Promise<StageResult> {
  const id = job.stage.id;
  if (job.tfpipe !== TFPIPE_VERSION)
    throw new Error(`this node has tfpipe ${TFPIPE_VERSION}, the run that submitted the job has ${job.tfpipe}`);
  const stage = await loadStageKind(job.stage.kind);
  if (stage.version !== job.tree.version)
    throw new Error(`this node's ${job.stage.kind} is version ${stage.version}, the job's is ${job.tree.version}`);
  if (stage.compute) {
    const here = canonicalJson(runtimeVersions(job.backend));
    const there = canonicalJson(job.tree.runtime ?? {});
    if (here !== there) throw new Error(`this node's runtime packages ${here} differ from the job's ${there}`);
  }
  const cache = new CacheStore(job.cacheRoot);
  const remote = await remoteOfJob(job, cache, io);
  const inputs: Record<string, ArtifactRef> = {};
  for (const [port, input] of Object.entries(job.inputs)) {
    let manifest = await cache.peek(input.entry);
    if (!manifest && remote) {
      const pulled = await remote.pull(input.entry, input.stage);
      if (pulled.status === 'pulled') manifest = pulled.entry.manifest;
    }
    if (!manifest)
      throw new Error(
        `input \`${port}\` (stage ${input.stage}) is not in the cache ${job.cacheRoot}${remote ? ` nor in ${remote.url}` : ''}`,
      );
    const dir = join(cache.entryDir(input.entry), 'out', input.path);
    inputs[port] = { type: input.type, dir, fingerprint: input.fingerprint, stage: input.stage, output: input.output };
  }
  if (stage.compute) {
    const backend = await backendChoice(job.backend, { cacheRoot: job.cacheRoot, env: io.env });
    listener({ type: 'backend', ...(await backend.init((text) => listener({ type: 'stage-status', id, text }))) });
  }
  const result = await runStageWork(
    {
      spec: { id, kind: job.stage.kind, params: job.stage.params },
      stage,
      tree: job.tree,
      fingerprint: job.fingerprint,
    },
    inputs,
    {
      cache,
      listener,
      signal: io.signal,
      backend: job.backend,
      env: io.env,
      seed: job.seed,
      specFile: job.specFile,
      ...(remote ? { checkpoints: remote } : {}),
    },
  );
  if (result.action === 'ran' && result.entry && remote) await remote.push(result.entry, id);
  for (const warning of remote?.warnings() ?? []) io.err(`tfpipe exec-stage: warning: ${warning}\n`);
  return result;
}

/** The remote cache a job with a node-local cache meets the run in; none where the job writes the run's cache. */
async function remoteOfJob(job: StageJob, cache: CacheStore, io: CommandIO): Promise<RemoteSync | undefined> {
  if (job.remote === undefined) return undefined;
  const opened = await openRemote({ flag: job.remote, env: io.env });
  if (!opened.ok) throw new Error(opened.error);
  return opened.remote ? createRemoteSync(opened.remote, cache, io.signal) : undefined;
}
