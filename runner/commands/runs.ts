// `tfpipe runs`: the recorded runs as a table (label, id, pipeline, when, stages ran/cached, the params that differ
// among them, key metrics, status), narrowed by --filter and ordered by --sort; `tfpipe runs --sweep LAST` (or a
// sweep id): the runs of one sweep side by side.
import { resolve } from 'node:path';
import type { CacheStore } from '../cache/store.ts';
import { formatRunsTable, formatSweepTable } from '../runs/format-runs.ts';
import type { RunRecord } from '../runs/record.ts';
import { effectiveStatus, readRunRecords, resolveRunRef, runsDir, type RunLookup } from '../runs/registry.ts';
import { parseQuery, sortRuns } from '../runs/run-query.ts';
import { list, parseCommandArgs, str } from './args.ts';
import { openCache } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe runs [--filter EXPR]... [--sort [-]KEY [--desc]] [--sweep ID|LAST] [--pipeline FILE]
                  [--limit N] [--json] [--cache-dir DIR]

Lists the recorded runs, oldest first: the label (the name given with tfpipe run --name, and a sweep run's values,
e.g. lr=0.003), id, pipeline, when, stages ran/cached, a column per param whose value differs among the listed runs
(train.lr), key metrics, status (ok, failed, interrupted, or running). Runs are recorded in .tfpipe/runs (with
--cache-dir DIR: DIR/runs).

A KEY is a metric, stage.metric (evaluate.test_acc), or a param, a config path as --set takes it (train.lr for
stages.train.lr, seed); where a stage has a metric and a param of one name, stages.STAGE.NAME is the param.

options:
  --filter EXPR     only runs where EXPR holds: KEY=VALUE, KEY!=VALUE, KEY<N, KEY<=N, KEY>N, KEY>=N
                    (quote it in the shell: --filter 'evaluate.test_acc>0.8'); repeatable, all must hold; a run
                    without KEY matches only !=
  --sort KEY        order by KEY, ascending; --sort=-KEY (or --desc) descending. Runs without KEY come last
  --desc            with --sort: descending
  --sweep ID|LAST   the runs of one sweep (tfpipe run --sweep), with the swept values and the metrics that differ
  --pipeline FILE   only runs of this pipeline file
  --limit N         the newest N runs, or with --sort the first N in that order (default 20; 0 for all)
  --json            the records as JSON
`;

export interface Registry {
  cache: CacheStore;
  dir: string;
  /** Oldest first. */
  records: RunRecord[];
}

/** The registry beside the cache chosen by --cache-dir / TFPIPE_CACHE; unreadable records are warned about. */
export async function openRegistry(io: CommandIO, cacheDirFlag: string | undefined): Promise<Registry> {
  const cache = openCache(io, cacheDirFlag);
  const dir = runsDir(cache.root);
  const listing = await readRunRecords(dir);
  for (const bad of listing.unreadable) io.err(`tfpipe: skipping ${bad.file}: ${bad.reason}\n`);
  return { cache, dir, records: listing.records };
}

export function lookupRun(registry: Registry, ref: string): RunRecord {
  const found: RunLookup = resolveRunRef(registry.records, ref);
  if (!found.ok) throw new UsageError(found.error);
  return found.record;
}

export async function runsCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(withSortValue(argv), {
    sweep: { type: 'string' },
    pipeline: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    filter: { type: 'string', multiple: true },
    sort: { type: 'string' },
    desc: { type: 'boolean' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length > 0) throw new UsageError('tfpipe runs takes no file; use --pipeline FILE to filter');
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  let records = registry.records;
  const pipeline = str(args.values.pipeline);
  if (pipeline !== undefined) records = records.filter((r) => r.pipeline.file === resolve(io.cwd, pipeline));
  const limitText = str(args.values.limit) ?? '20';
  if (!/^\d+$/.test(limitText)) throw new UsageError(`--limit takes a whole number, got \`${limitText}\``);
  const parsed = parseQuery(records, {
    filters: list(args.values.filter),
    sort: str(args.values.sort),
    desc: args.values.desc === true,
  });
  if (!parsed.ok) throw new UsageError(parsed.error);
  const { query } = parsed;
  records = query.apply(records);

  const sweepRef = str(args.values.sweep);
  if (sweepRef !== undefined) {
    let members = sweepMembers(records, sweepRef);
    if (query.sort) members = sortRuns(members, query.sort.key, query.sort);
    if (args.values.json) io.out(`${JSON.stringify(members.map(withStatus), null, 2)}\n`);
    else io.out(formatSweepTable(members));
    return EXIT.ok;
  }
  const limit = Number(limitText);
  // newest N, or the first N of the asked-for order (the best N with --sort=-evaluate.test_acc)
  if (limit > 0) records = query.sort ? records.slice(0, limit) : records.slice(-limit);
  if (args.values.json) io.out(`${JSON.stringify(records.map(withStatus), null, 2)}\n`);
  else io.out(formatRunsTable(records, { metricColumns: query.metricColumns }));
  return EXIT.ok;
}

/** `--sort -KEY` as `--sort=-KEY`: parseArgs would take `-KEY` for an option, and descending is written that way. */
function withSortValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--sort' && next?.startsWith('-') && !next.startsWith('--')) out.push(`--sort=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** The runs of sweep `ref` (an id, a unique prefix, or LAST: the sweep of the newest swept run), in order. */
function sweepMembers(records: readonly RunRecord[], ref: string): RunRecord[] {
  const swept = records.filter((r) => r.sweep);
  const ids = [...new Set(swept.map((r) => r.sweep!.id))];
  let id: string | undefined;
  if (/^last$/i.test(ref)) id = swept[swept.length - 1]?.sweep?.id;
  else {
    const matches = ids.filter((s) => s.startsWith(ref));
    if (matches.length > 1) throw new UsageError(`sweep \`${ref}\` is ambiguous: ${matches.join(', ')}`);
    id = matches[0];
  }
  if (id === undefined)
    throw new UsageError(
      ids.length === 0
        ? 'no sweep is recorded yet (tfpipe run FILE --sweep PATH=V1,V2)'
        : `no sweep \`${ref}\`; sweeps: ${ids.join(', ')}`,
    );
  return swept.filter((r) => r.sweep!.id === id).sort((a, b) => a.sweep!.index - b.sweep!.index);
}

/** JSON output carries the status readers should believe (a killed run's 'running' reads 'interrupted'). */
function withStatus(record: RunRecord): RunRecord {
  return { ...record, status: effectiveStatus(record) };
}
