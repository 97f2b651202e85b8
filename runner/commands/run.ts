// `tfpipe run FILE`: validate, plan, run (or take from cache) each stage, print the summary, record the run in
// the registry (runner/runs). With --sweep, the same for every combination of the swept values, one shared cache.
import { relative } from 'node:path';
import { buildGraph } from '../graph/graph.ts';
import { plan } from '../graph/plan.ts';
import { executePipeline, type RunOutcome, type StageOutcome } from '../exec/executor.ts';
import { createPlainRenderer } from '../exec/render-plain.ts';
import { createListrRenderer } from '../exec/render-listr.ts';
import { formatRunSummary } from '../exec/run-summary.ts';
import type { RunListener } from '../exec/events.ts';
import { backendChoice } from '../exec/backend.ts';
import { describeSystemError } from '../exec/system-errors.ts';
import type { CacheStore } from '../cache/store.ts';
import type { BackendChoice } from '../exec/backend-choice.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { startRunRecord, type RunRecorder } from '../runs/recorder.ts';
import { exportRunMetrics } from '../runs/metrics-export.ts';
import { assignmentsOf, parseSweeps, sweepCombinations } from '../runs/sweep.ts';
import { newRunId, runNameProblem, type RunRecord, type SweepPosition } from '../runs/record.ts';
import { formatSweepTable } from '../runs/format-runs.ts';
import { parseCommandArgs, list, str, type ParsedArgs } from './args.ts';
import { loadSpecOrReport, openCache, remoteOf, requestedBackend } from './common.ts';
import { createRemoteSync } from '../exec/remote-sync.ts';
import { localExecutor } from '../exec/local-executor.ts';
import { slurmExecutor } from '../exec/slurm/slurm-executor.ts';
import { checkSlurm } from '../exec/slurm/slurm-commands.ts';
import type { ExecutorRecord } from '../exec/stage-executor.ts';
import type { ObjectStore } from '../cache/remote/object-store.ts';
import { CommandFailure, EXIT, UsageError, type CommandIO } from './io.ts';

export const RUN_HELP = `usage: tfpipe run FILE [options]

Runs the pipeline in FILE. Stages whose kind, params, inputs, input files and backend are unchanged come from
the cache (.tfpipe/cache); the rest run, in dependency order. Every run is recorded in .tfpipe/runs (see
tfpipe runs, show, diff, report); metrics are also written to .tfpipe/metrics/<file>/<stage>/ for DVC.

options:
  --set PATH=VALUE    override a value of the file, e.g. --set train.epochs=7 (repeatable; YAML scalars);
                      PATH is under stages. unless it starts with a top-level key (seed, vars., stages.)
  --force[=STAGE]     recompute STAGE (repeatable), or every stage, even if cached
  --only STAGE        run just STAGE (repeatable); its inputs must be cached
  --downstream        with --only: also run every stage after it
  --from STAGE        run STAGE and every stage after it
  --to STAGE          run STAGE and every stage it needs
  --backend NAME      auto | cpu | wasm | webgpu | tensorflow (default: the file's backend, or TFPIPE_BACKEND)
  --cache-dir DIR     cache root (default: TFPIPE_CACHE, else .tfpipe/cache)
  --remote URL        remote cache s3://bucket/prefix (default: the file's remote); local misses are pulled
                      from it, stages that run are pushed to it (endpoint: AWS_ENDPOINT_URL_S3)
  --executor NAME     local (stages run here, one after another) | slurm (one sbatch job per stage, independent
                      stages at once; settings from the file's executor: block) (default: the file's, else local)
  --sweep PATH=V1,V2  run every combination of the listed values (repeatable); PATH as for --set,
                      e.g. --sweep train.lr=1e-3,3e-3; then compare with tfpipe runs --sweep LAST
  --name NAME         name the run: runs, show and diff show it and take it in place of the run id
                      (the newest run of that name); with --sweep every run gets it, beside its values
  --dry-run           show what would run, run nothing (and record nothing)
  --verbose           end with every stage's metrics and result lines, cached ones too (default: what ran, its
                      key metrics and where its outputs are)
  -h, --help          this help
`;

interface PreparedRun {
  spec: PipelineSpec;
  sets: string[];
  stages: string[];
  force: 'all' | ReadonlySet<string>;
  cache: CacheStore;
  remote?: ObjectStore;
  requested: string;
  backend: BackendChoice;
  executor: ExecutorRecord['name'];
}

export async function runCommand(argv: string[], io: CommandIO): Promise<number> {
  // --force takes an optional value, which parseArgs cannot express: a bare --force means every stage.
  const normalised = argv.map((a) => (a === '--force' ? '--force=*' : a));
  const args = parseCommandArgs(normalised, {
    set: { type: 'string', multiple: true },
    sweep: { type: 'string', multiple: true },
    force: { type: 'string', multiple: true },
    only: { type: 'string', multiple: true },
    downstream: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
    remote: { type: 'string' },
    executor: { type: 'string' },
    'dry-run': { type: 'boolean' },
    verbose: { type: 'boolean' },
    name: { type: 'string' },
  });
  if (args.help) return (io.out(RUN_HELP), EXIT.ok);
  if (args.positionals.length !== 1) throw new UsageError('tfpipe run takes one pipeline file');
  const nameProblem = args.values.name === undefined ? undefined : runNameProblem(String(args.values.name));
  if (nameProblem) throw new UsageError(nameProblem);
  const sweep = parseSweeps(list(args.values.sweep));
  if (!sweep.ok) throw new UsageError(sweep.error);
  if (sweep.axes.length === 0) {
    const prepared = await prepareRun(io, args, list(args.values.set));
    return prepared ? (await runPrepared(io, args, prepared)).code : EXIT.invalid;
  }

  // Every combination is validated before the first one runs.
  const combos = sweepCombinations(sweep.axes);
  const prepared: PreparedRun[] = [];
  for (const combo of combos) {
    const one = await prepareRun(io, args, [...list(args.values.set), ...combo]);
    if (!one) return EXIT.invalid;
    prepared.push(one);
  }
  const sweepId = newRunId();
  const position = (i: number): SweepPosition => ({
    id: sweepId,
    index: i + 1,
    total: combos.length,
    assignments: assignmentsOf(combos[i]),
  });
  const header = (i: number) => `sweep ${i + 1}/${combos.length}: ${combos[i].join(' ')}`;
  let results: { code: number; record?: RunRecord }[] = [];
  if (prepared.every((one) => one.executor === 'slurm')) {
    // A scheduler runs every combination at once: each run's lines carry its sweep position, in plain text (one
    // live view cannot draw several runs).
    results = await Promise.all(
      prepared.map((one, i) => {
        const tag = `[${i + 1}/${combos.length}] `;
        const tagged: CommandIO = { ...io, isTTY: false, out: (text) => io.out(prefixLines(text, tag)) };
        tagged.out(`${header(i)}\n`);
        return runPrepared(tagged, args, one, position(i));
      }),
    );
  } else {
    for (const [i, one] of prepared.entries()) {
      io.out(`${i > 0 ? '\n' : ''}${header(i)}\n`);
      const result = await runPrepared(io, args, one, position(i));
      results.push(result);
      if (result.code === EXIT.interrupted) break;
    }
  }
  const records = results.flatMap((r) => (r.record ? [r.record] : []));
  const code = Math.max(EXIT.ok, ...results.map((r) => r.code));
  if (records.length > 0) io.out(`\n${formatSweepTable(records)}`);
  return code;
}

/** `text` with `tag` before each of its lines (empty lines stay empty). */
function prefixLines(text: string, tag: string): string {
  return text.replace(/^(?=.)/gm, tag);
}

async function prepareRun(io: CommandIO, args: ParsedArgs, sets: string[]): Promise<PreparedRun | null> {
  const spec = await loadSpecOrReport(io, args.positionals[0], sets);
  if (!spec) return null;
  const only = list(args.values.only);
  const planned = plan(buildGraph(spec), {
    only: only.length > 0 ? only : undefined,
    from: str(args.values.from),
    to: str(args.values.to),
    downstream: args.values.downstream === true,
  });
  if (!planned.ok) throw new UsageError(planned.error);
  const forceList = list(args.values.force);
  const unknownForced = forceList.filter((id) => id !== '*' && !spec.stages.some((s) => s.id === id));
  if (unknownForced.length > 0) throw new UsageError(`--force names unknown stage ${unknownForced.join(', ')}`);
  const force = forceList.includes('*') ? 'all' : new Set(forceList);
  const cache = openCache(io, str(args.values['cache-dir']));
  const requested = requestedBackend(io, str(args.values.backend), spec);
  const remote = await remoteOf(io, str(args.values.remote), spec);
  const executor = executorOf(str(args.values.executor), spec, remote !== undefined);
  if (executor === 'slurm' && args.values['dry-run'] !== true) {
    // before anything is recorded or submitted: one clear line instead of a failed job per stage
    await checkSlurm(io.env).catch((error: Error) => {
      throw new CommandFailure(`--executor slurm: ${error.message}`);
    });
  }
  return {
    spec,
    sets,
    stages: planned.stages,
    force,
    cache,
    ...(remote ? { remote } : {}),
    requested,
    backend: await backendChoice(requested, { cacheRoot: cache.root, env: io.env, remember: true }),
    executor,
  };
}

/** --executor, else the file's `executor.name`, else local; a node-local job cache needs a remote to meet in. */
function executorOf(flag: string | undefined, spec: PipelineSpec, hasRemote: boolean): ExecutorRecord['name'] {
  if (flag !== undefined && flag !== 'local' && flag !== 'slurm')
    throw new UsageError(`--executor must be local or slurm, not ${JSON.stringify(flag)}`);
  const name = flag ?? spec.executor?.name ?? 'local';
  if (name === 'slurm' && spec.executor?.job_cache !== undefined && !hasRemote)
    throw new UsageError(
      `executor.job_cache in ${spec.file} needs a remote cache (remote: or --remote): jobs on nodes without the shared folder leave their entries there`,
    );
  return name;
}

async function runPrepared(
  io: CommandIO,
  args: ParsedArgs,
  run: PreparedRun,
  sweep?: SweepPosition,
): Promise<{ code: number; record?: RunRecord }> {
  const { spec, cache, backend } = run;
  const dryRun = args.values['dry-run'] === true;
  io.out(`tfpipe run ${relative(io.cwd, spec.file) || spec.file}: ${spec.name}${dryRun ? ' (dry run)' : ''}\n`);
  const recorder = dryRun ? undefined : await startRecording(io, run, sweep, str(args.values.name));

  const live = io.isTTY && !dryRun ? createListrRenderer() : null;
  const render = live?.listener ?? createPlainRenderer((line) => io.out(line + '\n'));
  // the lines each stage printed as it ran, which the compact summary does not repeat
  const shown = new Map<string, Set<string>>();
  const listener: RunListener = (event) => {
    if (event.type === 'stage-status' || event.type === 'stage-log') {
      const text = event.type === 'stage-status' ? event.text : event.message;
      shown.set(event.id, (shown.get(event.id) ?? new Set()).add(text));
    }
    render(event);
  };
  let unrecorded = false; // a registry that cannot be written must not stop the run: said once, at the end
  const onStage = recorder
    ? (stage: StageOutcome, device: RunOutcome['backend']) =>
        recorder.stageDone(stage, device).catch(() => void (unrecorded = true))
    : undefined;
  let outcome: RunOutcome;
  try {
    outcome = await executePipeline({
      spec,
      stages: run.stages,
      cache,
      force: run.force,
      backend,
      env: io.env,
      signal: io.signal,
      listener,
      ...(run.remote ? { remote: createRemoteSync(run.remote, cache, io.signal) } : {}),
      executor:
        run.executor === 'slurm'
          ? slurmExecutor({ settings: spec.executor, runId: recorder?.id ?? newRunId(), cwd: io.cwd, env: io.env })
          : localExecutor(),
      dryRun,
      onStage,
    });
  } catch (error) {
    await live?.finish();
    await recorder
      ?.finish({ error: error instanceof Error ? error.message : String(error) }, EXIT.failed)
      .catch(() => undefined);
    throw error;
  }
  await live?.finish();
  // An interrupt after the last stage finished still makes the run interrupted (exit 130), its work all kept.
  if (io.signal.aborted && outcome.status === 'ok') outcome = { ...outcome, status: 'interrupted' };
  io.out(
    formatRunSummary(outcome, { verbose: args.values.verbose === true, shown, cacheRoot: cache.root, cwd: io.cwd }),
  );
  for (const warning of outcome.warnings ?? []) io.err(`tfpipe: warning: ${warning}\n`);
  const code = outcome.status === 'ok' ? EXIT.ok : outcome.status === 'failed' ? EXIT.failed : EXIT.interrupted;
  if (!recorder) return { code };
  if (unrecorded) io.err(`tfpipe: could not record a stage in ${recorder.path} as it finished\n`);
  let record: RunRecord;
  try {
    record = await recorder.finish({ outcome }, code);
  } catch (error) {
    io.err(`tfpipe: could not record the run: ${describeSystemError(error) ?? (error as Error).message}\n`);
    return { code };
  }
  io.out(`recorded as run ${record.id} (tfpipe show ${record.id})\n`);
  try {
    await exportRunMetrics(record);
  } catch (error) {
    io.err(
      `tfpipe: warning: could not export the metrics for DVC: ${describeSystemError(error) ?? (error as Error).message}\n`,
    );
  }
  return { code, record };
}

/** A registry that cannot be written must not stop the run: say so and run unrecorded. */
async function startRecording(
  io: CommandIO,
  run: PreparedRun,
  sweep?: SweepPosition,
  name?: string,
): Promise<RunRecorder | undefined> {
  try {
    return await startRunRecord({
      spec: run.spec,
      set: run.sets,
      sweep,
      name,
      cache: run.cache,
      backend: { requested: run.requested, name: run.backend.name },
      executor: executorRecord(run),
    });
  } catch (error) {
    io.err(`tfpipe: could not record the run: ${describeSystemError(error) ?? (error as Error).message}\n`);
    return undefined;
  }
}

/** The executor as the run record keeps it: its name, and for Slurm the job settings shared by every stage. */
function executorRecord(run: PreparedRun): ExecutorRecord {
  if (run.executor === 'local') return { name: 'local' };
  const { name: _, kinds: _k, stages: _s, ...settings } = run.spec.executor ?? { name: 'slurm' };
  return { name: 'slurm', ...(Object.keys(settings).length > 0 ? { settings } : {}) };
}
