// The tuner's answer, remembered per machine next to the adapter probe: <cache>/machine/matmul-tuning.json, valid
// while the adapter, the GPU drivers, Dawn, Node and the host are the ones it was timed on (probe-cache.ts's
// machineKey, plus the adapter). A stale or unreadable record is timed again; delete it to force a retune.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machineKey } from '../probe-cache.ts';
import type { ShapeClass } from './shape-class.ts';

export interface TuningRecord {
  key: string;
  adapter: string;
  /** Winner per shape class, in TFPIPE_MATMUL_CONFIG syntax. */
  winners: Partial<Record<ShapeClass, string>>;
  /** Milliseconds per product, per class and config, as timed. */
  timings: Partial<Record<ShapeClass, Record<string, number>>>;
  /** The product each class was timed on, batch x M x K x N. */
  shapes: Partial<Record<ShapeClass, string>>;
  /** Classes the time cap left untimed (they run DEFAULT_CONFIG). */
  untimed: ShapeClass[];
  tuningMs: number;
  tunedAt: string;
}

export function tuningRecordPath(cacheRoot: string): string {
  return join(cacheRoot, 'machine', 'matmul-tuning.json');
}

export function tuningKey(adapter: string, env: Readonly<Record<string, string | undefined>>): string {
  return createHash('sha256')
    .update(JSON.stringify({ machine: machineKey(env), adapter }))
    .digest('hex');
}

/** The record for `key`, or null (none, another machine's, unreadable). */
export async function readTuningRecord(cacheRoot: string, key: string): Promise<TuningRecord | null> {
  try {
    const record = JSON.parse(await readFile(tuningRecordPath(cacheRoot), 'utf8')) as TuningRecord;
    return record.key === key && typeof record.winners === 'object' ? record : null;
  } catch {
    return null;
  }
}

/** Writes atomically; a read-only cache only costs the next process another tuning. */
export async function writeTuningRecord(cacheRoot: string, record: TuningRecord): Promise<void> {
  const path = tuningRecordPath(cacheRoot);
  try {
    await mkdir(join(cacheRoot, 'machine'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
    await rename(tmp, path);
  } catch {
    // unwritable cache root
  }
}
