// `tfpipe runs`: the recorded runs as a table (id, pipeline, when, stages ran/cached, key metrics, status);
// `tfpipe runs --sweep LAST` (or a sweep id): the runs of one sweep side by side.
import { resolve } from 'node:path';
import type { CacheStore } from '../cache/store.ts';
import { formatRunsTable, formatSweepTable } from '../runs/format-runs.ts';
import type { RunRecord } from '../runs/record.ts';
import { effectiveStatus, readRunRecords, resolveRunRef, runsDir, type RunLookup } from '../runs/registry.ts';
import { parseCommandArgs, str } from './args.ts';
import { openCache } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe runs [--sweep ID|LAST] [--pipeline FILE] [--limit N] [--json] [--cache-dir DIR]

Lists the recorded runs, oldest first: id, pipeline, when, stages ran/cached, key metrics, status
(ok, failed, interrupted, or running). Runs are recorded in .tfpipe/runs (with --cache-dir DIR: DIR/runs).

options:
  --sweep ID|LAST   the runs of one sweep (tfpipe run --sweep), with the swept values and the metrics that differ
  --pipeline FILE   only runs of this pipeline file
  --limit N         the newest N runs (default 20; 0 for all)
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
  const args = parseCommandArgs(argv, {
    sweep: { type: 'string' },
    pipeline: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length > 0) throw new UsageError('tfpipe runs takes no file; use --pipeline FILE to filter');
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  let records = registry.records;
  const pipeline = str(args.values.pipeline);
  if (pipeline !== undefined) records = records.filter((r) => r.pipeline.file === resolve(io.cwd, pipeline));

  const sweepRef = str(args.values.sweep);
  if (sweepRef !== undefined) {
    const members = sweepMembers(records, sweepRef);
    if (args.values.json) io.out(`${JSON.stringify(members.map(withStatus), null, 2)}\n`);
    else io.out(formatSweepTable(members));
    return EXIT.ok;
  }
  const limitText = str(args.values.limit) ?? '20';
  if (!/^\d+$/.test(limitText)) throw new UsageError(`--limit takes a whole number, got \`${limitText}\``);
  const limit = Number(limitText);
  if (limit > 0) records = records.slice(-limit);
  if (args.values.json) io.out(`${JSON.stringify(records.map(withStatus), null, 2)}\n`);
  else io.out(formatRunsTable(records));
  return EXIT.ok;
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
