// `tfpipe gc [FILE...]`: removes the cache entries, training checkpoints and Slurm job folders that no kept run
// and no current pipeline file uses (gc-in-use.ts), never one a running run holds a lock on (cache/gc.ts).
// Kept runs: the newest --keep-runs N (default 10), or those since --since DATE, and every run still running.
import { formatNumber } from '../../lib/text/number.ts';
import type { BackendName } from '../../models/backend/select.ts';
import { collectGarbage, type GcResult } from '../cache/gc.ts';
import { listCacheItems, type CacheItem } from '../cache/inventory.ts';
import { backendChoice } from '../exec/backend.ts';
import { RUN_ID_PATTERN } from '../runs/record.ts';
import { keptRuns, type RetentionPolicy } from '../runs/retention.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { parseCommandArgs, str } from './args.ts';
import { loadSpecOrReport, requestedBackend } from './common.ts';
import { cacheInUse } from './gc-in-use.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';
import { openRegistry } from './runs.ts';

const DEFAULT_KEEP_RUNS = 10;

const HELP = `usage: tfpipe gc [FILE ...] [--keep-runs N] [--since DATE] [--dry-run] [--backend NAME] [--cache-dir DIR]

Removes the cache entries, training checkpoints and Slurm job folders that no kept run and no current pipeline
file uses. Kept runs: the newest N (default ${DEFAULT_KEEP_RUNS}), or those started since DATE (with both, either rule
keeps a run), and every run still running. Current pipeline files: those of the kept runs that still exist, as
they read now, with the run's backend, plain and with the run's --set values; and every FILE given (with
--backend, as tfpipe run computes it). An entry whose lock a running run holds is left alone.

options:
  --keep-runs N   keep what the newest N recorded runs used (0: none)
  --since DATE    keep what runs started since DATE used (2026-12-01, or 2026-12-01T08:00:00Z)
  --dry-run       list what would be removed, with sizes and the total, and remove nothing
  --backend NAME  the backend the FILEs' compute stages are fingerprinted with (default: as tfpipe run's)
`;

export async function gcCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    'keep-runs': { type: 'string' },
    since: { type: 'string' },
    'dry-run': { type: 'boolean' },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  const policy = retentionPolicy(str(args.values['keep-runs']), str(args.values.since));
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  const { cache } = registry;
  const named: { spec: PipelineSpec; backend: BackendName }[] = [];
  for (const file of args.positionals) {
    const spec = await loadSpecOrReport(io, file);
    if (!spec) return EXIT.invalid;
    const requested = requestedBackend(io, str(args.values.backend), spec);
    named.push({ spec, backend: (await backendChoice(requested, { cacheRoot: cache.root, env: io.env })).name });
  }
  const kept = keptRuns(registry.records, policy);
  const inUse = await cacheInUse(kept, named, {
    env: io.env,
    cacheRoot: cache.root,
    warn: (message) => io.err(`tfpipe: warning: ${message}\n`),
  });
  const items = await listCacheItems(cache, (name) => RUN_ID_PATTERN.test(name));
  const dryRun = args.values['dry-run'] === true;
  const result = await collectGarbage(cache, items, inUse, { dryRun });
  io.out(formatResult(result, dryRun));
  const files = inUse.files.size;
  io.out(
    `kept ${result.used.length} item${result.used.length === 1 ? '' : 's'} in use by ${kept.length} of ${registry.records.length} runs and ${files} pipeline file${files === 1 ? '' : 's'}\n`,
  );
  return EXIT.ok;
}

/** --keep-runs and --since, checked; neither given keeps the newest DEFAULT_KEEP_RUNS. */
function retentionPolicy(keepRuns: string | undefined, since: string | undefined): RetentionPolicy {
  if (keepRuns !== undefined && !/^\d+$/.test(keepRuns))
    throw new UsageError(`--keep-runs takes a whole number of runs, got \`${keepRuns}\``);
  const date = since === undefined ? undefined : new Date(since);
  if (date !== undefined && Number.isNaN(date.getTime()))
    throw new UsageError(`--since takes a date such as 2026-12-01 or 2026-12-01T08:00:00Z, got \`${since}\``);
  if (keepRuns === undefined && date === undefined) return { keepRuns: DEFAULT_KEEP_RUNS };
  return { ...(keepRuns !== undefined ? { keepRuns: Number(keepRuns) } : {}), ...(date ? { since: date } : {}) };
}

const LABEL: Record<CacheItem['type'], [string, string]> = {
  entry: ['cache entry', 'cache entries'],
  checkpoint: ['checkpoint', 'checkpoints'],
  jobs: ['job folder', 'job folders'],
};

/**
 *   would remove 3 cache entries, 1 checkpoint: 12,345 bytes (12.3 kB)
 *     entry       3f2a1b9c0d4e  vocab     1,234 bytes
 */
function formatResult(result: GcResult, dryRun: boolean): string {
  const total = result.removed.reduce((sum, item) => sum + item.bytes, 0);
  const counts = (Object.keys(LABEL) as CacheItem['type'][])
    .map((type) => [type, result.removed.filter((i) => i.type === type).length] as const)
    .filter(([, n]) => n > 0)
    .map(([type, n]) => `${n} ${LABEL[type][n === 1 ? 0 : 1]}`);
  const shown = [...result.removed, ...result.held];
  const width = {
    name: Math.max(0, ...shown.map((i) => shortName(i).length)),
    kind: Math.max(0, ...shown.map((i) => (i.kind ?? '').length)),
  };
  const line = (item: CacheItem) =>
    `${item.type.padEnd(10)}  ${shortName(item).padEnd(width.name)}  ${(item.kind ?? '').padEnd(width.kind)}  ${formatNumber(item.bytes)} bytes`;
  const lines =
    result.removed.length === 0
      ? [dryRun ? 'nothing to remove' : 'removed nothing']
      : [
          `${dryRun ? 'would remove' : 'removed'} ${counts.join(', ')}: ${dryRun ? '' : 'freed '}${formatBytes(total)}`,
          ...result.removed.map((item) => `  ${line(item)}`),
        ];
  for (const item of result.held) {
    const why =
      item.reason === 'locked'
        ? `a running run holds its lock${item.holder ? ` (pid ${item.holder.pid} on ${item.holder.host})` : ''}`
        : 'a stage is being computed, and it may be writing a checkpoint';
    lines.push(`left alone: ${line(item)}: ${why}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Fingerprints and resume keys by their first 12 digits, as status and show print them; run ids whole. */
function shortName(item: CacheItem): string {
  return item.type === 'jobs' ? item.name : item.name.slice(0, 12);
}

/** 12,345 bytes (12.3 kB): exact, then in decimal units once past a thousand. */
function formatBytes(bytes: number): string {
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) ((value /= 1000), unit++);
  const human = unit < 0 ? '' : ` (${value.toFixed(1)} ${units[unit]})`;
  return `${formatNumber(bytes)} bytes${human}`;
}
