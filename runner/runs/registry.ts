// The run registry on disk, and how a user names a run.
//   <home>/runs/<run-id>.json      one record per `tfpipe run` (record.ts)
// <home> is `.tfpipe` for the default cache (`.tfpipe/cache` → `.tfpipe/runs`); for any other cache root it is
// the cache root itself (`--cache-dir /x` → `/x/runs`), so two caches never mix their runs. Exported metrics
// (metrics-export.ts) and default reports live under the same <home>.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { confinedPath } from '../../lib/fs/confine.ts';
import { writeFileAtomic } from '../../lib/fs/atomic.ts';
import { HOST_TAG, isProcessAlive } from '../../lib/fs/owner.ts';
import { RUN_FORMAT, RUN_ID_PATTERN, type RunRecord, type RunStatus } from './record.ts';

/** `.tfpipe` for `<x>/.tfpipe/cache`, else the cache root. */
export function registryHome(cacheRoot: string): string {
  const isDefaultLayout = basename(cacheRoot) === 'cache' && basename(dirname(cacheRoot)) === '.tfpipe';
  return isDefaultLayout ? dirname(cacheRoot) : cacheRoot;
}

export function runsDir(cacheRoot: string): string {
  return join(registryHome(cacheRoot), 'runs');
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = confinedPath(dir, `${record.id}.json`);
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}

export interface RegistryListing {
  /** Oldest first (by start time, then id). */
  records: RunRecord[];
  /** Files that are not readable run records, with why; listed, never fatal. */
  unreadable: { file: string; reason: string }[];
}

export async function readRunRecords(dir: string): Promise<RegistryListing> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: [] };
    throw error;
  }
  const listing: RegistryListing = { records: [], unreadable: [] };
  for (const name of names) {
    try {
      const parsed = JSON.parse(await readFile(join(dir, name), 'utf8')) as Partial<RunRecord>;
      if (parsed.format !== RUN_FORMAT || typeof parsed.id !== 'string' || !Array.isArray(parsed.stages)) {
        throw new Error(`not a ${RUN_FORMAT} record`);
      }
      // The id names files (reports, this record): one that is not a run id (`../../x`) is not trusted.
      if (!RUN_ID_PATTERN.test(parsed.id)) throw new Error(`its id ${JSON.stringify(parsed.id)} is not a run id`);
      listing.records.push(parsed as RunRecord);
    } catch (error) {
      listing.unreadable.push({ file: join(dir, name), reason: (error as Error).message });
    }
  }
  listing.records.sort((a, b) => a.started.localeCompare(b.started) || a.id.localeCompare(b.id));
  return listing;
}

/** A record left 'running' by a process of this host that no longer exists was killed: show it as interrupted. */
export function effectiveStatus(record: RunRecord): RunStatus {
  if (record.status !== 'running') return record.status;
  return record.host === HOST_TAG && !isProcessAlive(record.pid) ? 'interrupted' : 'running';
}

export type RunLookup = { ok: true; record: RunRecord } | { ok: false; error: string };

/**
 * A run named by the user: its id, `LAST` (the newest run), `LAST~N` (N runs before it), a name given with --name
 * (the newest run of that name: a name is reused by running again under it), or a unique prefix of an id.
 * `records` oldest first.
 */
export function resolveRunRef(records: readonly RunRecord[], ref: string): RunLookup {
  const last = /^last(?:~(\d+))?$/i.exec(ref);
  if (last) {
    const back = Number(last[1] ?? 0);
    const record = records[records.length - 1 - back];
    if (record) return { ok: true, record };
    return { ok: false, error: `${ref}: there are only ${records.length} recorded runs` };
  }
  const exact = records.find((r) => r.id === ref);
  if (exact) return { ok: true, record: exact };
  const named = records.filter((r) => r.name === ref);
  if (named.length > 0) return { ok: true, record: named[named.length - 1] };
  const matches = records.filter((r) => r.id.startsWith(ref));
  if (matches.length === 1) return { ok: true, record: matches[0] };
  if (matches.length > 1)
    return { ok: false, error: `run \`${ref}\` is ambiguous: ${matches.map((r) => r.id).join(', ')}` };
  const hint =
    records.length > 0
      ? `; the newest is ${records[records.length - 1].id} (see tfpipe runs)`
      : '; no runs are recorded yet';
  return { ok: false, error: `no run \`${ref}\`${hint}` };
}
