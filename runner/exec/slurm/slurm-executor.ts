// The Slurm executor: each stage that must run becomes one sbatch job, submitted once its inputs exist (the
// coordinator decides when), running `tfpipe exec-stage` with the resolved stage in its batch script. The job writes
// its entry through the same store, lock and atomic rename as a local run; the coordinator follows its state
// (squeue) and its events file, then verifies the entry like any other cache entry before using it.
//
// Files of a run's jobs, in <cache>/jobs/<run id>/ (the shared folder):
//   <stage>.sh            the batch script (the job inside it)
//   <stage>.log           the job's stdout and stderr (sbatch --output)
//   <stage>.events.jsonl  progress, status lines and the job's result, followed by the coordinator
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactRef, Fingerprint } from '../../../stages/stage.ts';
import type { ExecutorSettings } from '../../spec/types.ts';
import { TFPIPE_VERSION } from '../../cache/version.ts';
import type { ExecutorContext, StageExecutor, StageJobRecord } from '../stage-executor.ts';
import type { StageFingerprint } from '../fingerprints.ts';
import type { StageResult } from '../run-stage.ts';
import { batchScript, JOB_FORMAT, type StageJob, type StageJobInput } from './stage-job.ts';
import { jobEventFollower, type JobEvent, type JobResult } from './job-events.ts';
import { jobResources, sbatchOptions } from './job-options.ts';
import { createJobWatch } from './job-watch.ts';
import { exitCode, isFinal, sbatch, scancel, SlurmError, type JobState } from './slurm-commands.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface SlurmExecutorOptions {
  settings?: ExecutorSettings;
  /** The run's id: its jobs' folder, and part of their names. */
  runId: string;
  /** The folder jobs start in (where `tfpipe run` was typed). */
  cwd: string;
  /** The environment sbatch (and so each job, --export=ALL) and squeue get: SLURM_CONF, TFPIPE_DATA … */
  env: Env;
  /** How often the controller is asked for the jobs' states. */
  pollMs?: number;
  /** How a node starts tfpipe: this Node.js and this install's bin/tfpipe.js (clusters share software paths). */
  command?: string[];
}

/** The Slurm state a job's own result stands for. */
const FINAL_STATE_OF: Record<JobResult['action'], string> = {
  ran: 'COMPLETED',
  cached: 'COMPLETED',
  failed: 'FAILED',
  interrupted: 'CANCELLED',
};

/** Lines of a failed job's log shown with its error. */
const LOG_TAIL_LINES = 15;
/** How long Slurm may not answer before the stage fails (its job is then left to the scheduler). */
const LOST_CONTACT_MS = 120_000;
/** How long a cancelled job may take to leave (Slurm's KillWait is 30 s by default). */
const CANCEL_WAIT_MS = 60_000;

export function slurmExecutor(options: SlurmExecutorOptions): StageExecutor {
  const pollMs = options.pollMs ?? 1000;
  const watch = createJobWatch(options.env, pollMs);
  const command = options.command ?? [
    process.execPath,
    fileURLToPath(new URL('../../../bin/tfpipe.js', import.meta.url)),
  ];
  const settings = options.settings;
  return {
    parallel: true,
    async run(p, inputs, ctx) {
      const dir = join(ctx.cache.root, 'jobs', options.runId);
      await mkdir(dir, { recursive: true });
      const files = {
        script: join(dir, `${p.spec.id}.sh`),
        log: join(dir, `${p.spec.id}.log`),
        events: join(dir, `${p.spec.id}.events.jsonl`),
      };
      const job = stageJob(p, inputs, ctx, options.runId, settings, files.events);
      await writeFile(files.script, batchScript(job, command), { mode: 0o755 });
      const submitted = new Date().toISOString();
      let id: string;
      try {
        id = await sbatch(
          [
            `--job-name=tfpipe-${p.spec.id}`,
            `--output=${files.log}`,
            `--chdir=${options.cwd}`,
            `--comment=tfpipe run ${options.runId}`,
            '--export=ALL',
            ...sbatchOptions(jobResources(settings, p.spec.id, p.spec.kind)),
          ],
          files.script,
          options.env,
        );
      } catch (error) {
        const message = error instanceof SlurmError ? error.message : String(error);
        ctx.listener({ type: 'stage-failed', id: p.spec.id, seconds: 0, error: new Error(message) });
        return { action: 'failed', seconds: 0, metrics: {}, summary: [], error: message };
      }
      return follow(p, ctx, { id, submitted, ...files });
    },
  };

  /** Follows job `id` to its end (or cancels it on an interrupt), then takes its entry from the cache. */
  async function follow(
    p: StageFingerprint,
    ctx: ExecutorContext,
    job: { id: string; submitted: string; log: string; events: string },
  ): Promise<StageResult & { job: StageJobRecord }> {
    const stageId = p.spec.id;
    const events = jobEventFollower(job.events);
    const record: StageJobRecord = { id: job.id, state: 'PENDING', log: job.log, submitted: job.submitted };
    let result: JobResult | undefined;
    let started = false;
    let lostContact: string | undefined;
    const say = () =>
      ctx.listener({ type: 'stage-job', id: stageId, job: job.id, state: record.state, node: record.node });
    const forward = (event: JobEvent) => {
      if (event.type === 'job-result') result = event;
      else if (event.type === 'stage-progress' || event.type === 'stage-status' || event.type === 'stage-log')
        ctx.listener(event);
      else if (event.type === 'backend') ctx.listener(event);
    };
    const begin = () => {
      if (started) return;
      started = true;
      ctx.listener({ type: 'stage-start', id: stageId, kind: p.spec.kind });
    };
    say();
    watch.add(job.id);
    const startedAt = performance.now();
    try {
      let cancelledAt: number | undefined;
      let unanswered = 0;
      for (;;) {
        if (ctx.signal.aborted && cancelledAt === undefined) {
          cancelledAt = Date.now();
          await scancel([job.id], options.env).catch(() => undefined);
        }
        let states: ReadonlyMap<string, JobState>;
        try {
          states = await watch.next();
          unanswered = 0;
        } catch (error) {
          // the controller restarts, or the network hiccups: ask again, for a while
          if (++unanswered * pollMs >= LOST_CONTACT_MS) {
            lostContact = (error as Error).message;
            break;
          }
          continue;
        }
        for (const event of await events.read()) forward(event);
        const now = states.get(job.id);
        // a job the controller no longer lists (past MinJobAge) is known by its own result, if it wrote one
        const state = now?.state ?? (result ? FINAL_STATE_OF[result.action] : 'UNKNOWN');
        if (state !== record.state || (now?.node && now.node !== record.node)) {
          record.state = state;
          if (now?.node) record.node = now.node;
          say();
        }
        if (state === 'RUNNING') begin();
        if (!now || isFinal(state)) break;
        if (cancelledAt !== undefined && Date.now() - cancelledAt > CANCEL_WAIT_MS) break;
      }
    } finally {
      watch.remove(job.id);
    }
    for (const event of await events.read()) forward(event);
    const code = await exitCode(job.id, options.env);
    if (code !== undefined) record.exitCode = code;
    if (result) Object.assign(record, { started: result.started, finished: result.finished, node: result.host });
    const seconds = result?.seconds ?? (performance.now() - startedAt) / 1000;
    const done = { job: record, seconds, metrics: {}, summary: [] as string[] };

    if (ctx.signal.aborted) {
      ctx.listener({ type: 'stage-interrupted', id: stageId, seconds });
      return { ...done, action: 'interrupted' };
    }
    begin();
    if (record.state === 'COMPLETED' || (result && (result.action === 'ran' || result.action === 'cached'))) {
      const entry = await entryOf(p.fingerprint, ctx, stageId);
      if (entry) {
        const metrics = entry.manifest.metrics ?? {};
        const summary = entry.manifest.summary ?? [];
        if (result?.action === 'cached') {
          ctx.listener({ type: 'stage-cached', id: stageId, kind: p.spec.kind, waited: true });
          return { ...done, action: 'cached', seconds: 0, metrics, summary, entry, waited: true };
        }
        ctx.listener({ type: 'stage-done', id: stageId, seconds, metrics, summary });
        return { ...done, action: 'ran', metrics, summary, entry };
      }
    }
    const error = lostContact
      ? `lost contact with Slurm while following job ${job.id} (${lostContact}); the job may still run`
      : await failure(record, result, job.log);
    ctx.listener({ type: 'stage-failed', id: stageId, seconds, error: new Error(error) });
    return { ...done, action: 'failed', error };
  }
}

/** The job's entry, verified, from the run's cache, or pulled from the remote where the job left it there. */
async function entryOf(fp: Fingerprint, ctx: ExecutorContext, stageId: string) {
  const found = await ctx.cache.lookup(fp);
  if (found.status === 'hit') return found;
  const pulled = ctx.remote ? await ctx.remote.pull(fp, stageId) : undefined;
  return pulled?.status === 'pulled' ? pulled.entry : undefined;
}

/** "slurm job 12 CANCELLED (exit code 0:15): <the job's error>; the end of its log …": what the user needs to act. */
async function failure(record: StageJobRecord, result: JobResult | undefined, log: string): Promise<string> {
  const exit = record.exitCode !== undefined ? ` (exit code ${record.exitCode})` : '';
  const why = result?.error
    ? `: ${result.error}`
    : record.state === 'COMPLETED'
      ? ': it ended without writing the stage’s cache entry'
      : '';
  const text = await readFile(log, 'utf8').catch(() => undefined);
  const tail =
    text === undefined
      ? `\n  (its log ${log} is not readable here)`
      : `\n  the last lines of its log ${log}:\n${lastLines(text, LOG_TAIL_LINES)
          .map((l) => `    ${l}`)
          .join('\n')}`;
  return `slurm job ${record.id} ${record.state}${exit}${why}${tail}`;
}

function lastLines(text: string, n: number): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n);
}

/** The job the batch script carries: the stage resolved, its inputs by their entries' fingerprints. */
function stageJob(
  p: StageFingerprint,
  inputs: Record<string, ArtifactRef>,
  ctx: ExecutorContext,
  runId: string,
  settings: ExecutorSettings | undefined,
  events: string,
): StageJob {
  const jobInputs: Record<string, StageJobInput> = {};
  for (const [port, ref] of Object.entries(inputs)) {
    const entry = ref.fingerprint.split('/')[0] as Fingerprint; // outputFingerprint(): "<entry>/<output>"
    jobInputs[port] = {
      stage: ref.stage,
      entry,
      output: ref.output,
      path: relative(join(ctx.cache.entryDir(entry), 'out'), ref.dir),
      type: ref.type,
      fingerprint: ref.fingerprint,
    };
  }
  return {
    format: JOB_FORMAT,
    tfpipe: TFPIPE_VERSION,
    run: runId,
    stage: { id: p.spec.id, kind: p.spec.kind, params: p.spec.params },
    fingerprint: p.fingerprint,
    tree: p.tree,
    inputs: jobInputs,
    seed: ctx.spec.seed,
    specFile: ctx.spec.file,
    backend: ctx.backend.name,
    cacheRoot: settings?.job_cache ?? ctx.cache.root,
    ...(ctx.remote && settings?.job_cache ? { remote: ctx.remote.url } : {}),
    events,
  };
}
