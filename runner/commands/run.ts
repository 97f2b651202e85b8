// `tfpipe run FILE`: validate, plan, run (or take from cache) each stage, print the summary.
import { relative } from 'node:path';
import { buildGraph } from '../graph/graph.ts';
import { plan } from '../graph/plan.ts';
import { executePipeline, type RunOutcome } from '../exec/executor.ts';
import { createPlainRenderer } from '../exec/render-plain.ts';
import { createListrRenderer } from '../exec/render-listr.ts';
import { backendChoice } from '../exec/backend.ts';
import { formatMetric, formatSeconds } from '../exec/format.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { loadSpecOrReport, openCache, requestedBackend } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

export const RUN_HELP = `usage: tfpipe run FILE [options]

Runs the pipeline in FILE. Stages whose kind, params, inputs, input files and backend are unchanged come from
the cache (.tfpipe/cache); the rest run, in dependency order.

options:
  --set PATH=VALUE    override a value of the file, e.g. --set stages.train.epochs=7 (repeatable; YAML scalars)
  --force[=STAGE]     recompute STAGE (repeatable), or every stage, even if cached
  --only STAGE        run just STAGE (repeatable); its inputs must be cached
  --downstream        with --only: also run every stage after it
  --from STAGE        run STAGE and every stage after it
  --to STAGE          run STAGE and every stage it needs
  --backend NAME      auto | cpu | wasm | webgpu | tensorflow (default: the file's backend, or TFPIPE_BACKEND)
  --cache-dir DIR     cache root (default: TFPIPE_CACHE, else .tfpipe/cache)
  --dry-run           show what would run, run nothing
  -h, --help          this help
`;

export async function runCommand(argv: string[], io: CommandIO): Promise<number> {
  // --force takes an optional value, which parseArgs cannot express: a bare --force means every stage.
  const normalised = argv.map((a) => (a === '--force' ? '--force=*' : a));
  const args = parseCommandArgs(normalised, {
    set: { type: 'string', multiple: true },
    force: { type: 'string', multiple: true },
    only: { type: 'string', multiple: true },
    downstream: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (args.help) return io.out(RUN_HELP), EXIT.ok;
  if (args.positionals.length !== 1) throw new UsageError('tfpipe run takes one pipeline file');
  const spec = await loadSpecOrReport(io, args.positionals[0], list(args.values.set));
  if (!spec) return EXIT.invalid;

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
  const backend = backendChoice(requestedBackend(io, str(args.values.backend), spec));
  io.out(`tfpipe run ${relative(io.cwd, spec.file) || spec.file}: ${spec.name}${args.values['dry-run'] ? ' (dry run)' : ''}\n`);

  const live = io.isTTY && !args.values['dry-run'] ? createListrRenderer() : null;
  const listener = live?.listener ?? createPlainRenderer((line) => io.out(line + '\n'));
  const outcome = await executePipeline({
    spec,
    stages: planned.stages,
    cache,
    force,
    backend,
    env: io.env,
    signal: io.signal,
    listener,
    dryRun: args.values['dry-run'] === true,
  });
  await live?.finish();
  io.out(formatSummary(outcome));
  switch (outcome.status) {
    case 'ok':
      return EXIT.ok;
    case 'failed':
      return EXIT.failed;
    case 'interrupted':
      return EXIT.interrupted;
  }
}

function formatSummary(outcome: RunOutcome): string {
  const lines: string[] = [''];
  if (outcome.backend) lines.push(`backend: ${outcome.backend.name} (${outcome.backend.device})`);
  for (const s of outcome.stages) {
    const when = s.action === 'ran' ? `ran in ${formatSeconds(s.seconds)}` : s.action;
    lines.push(`${s.id} (${s.kind}): ${when}${s.error ? ` — ${s.error}` : ''}`);
    const metrics = Object.entries(s.metrics).filter(([, v]) => typeof v !== 'object' || v === null);
    if (metrics.length > 0) lines.push(`    ${metrics.map(([k, v]) => `${k} ${formatMetric(v)}`).join(' · ')}`);
    for (const line of s.summary) lines.push(`    ${line}`);
  }
  const ran = outcome.stages.filter((s) => s.action === 'ran').length;
  const cached = outcome.stages.filter((s) => s.action === 'cached').length;
  const wouldRun = outcome.stages.filter((s) => s.action === 'would-run').length;
  const tail = wouldRun > 0 ? `${wouldRun} would run, ${cached} cached` : `${ran} ran, ${cached} cached`;
  lines.push(`${outcome.status === 'ok' ? 'done' : outcome.status}: ${tail}`, '');
  return lines.join('\n');
}
