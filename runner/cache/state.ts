// The last-run index `tfpipe status` explains from: per pipeline file and stage, the fingerprint and tree of the
// last time that stage ran or came from the cache.
//   <cacheRoot>/state/<sha256 of the absolute pipeline path>/<stageId>.json
//     {pipelineFile, stageId, fingerprint, tree, recordedAt}
// Kept beside the cache, not in it, so that clearing the cache does not forget why things will rerun.
// Writes are atomic (temp + rename); an unreadable record reads as "no last run" rather than failing status.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Fingerprint } from '../../stages/stage.ts';
import { confinedPath } from '../../lib/fs/confine.ts';
import { sha256Hex, type FingerprintTree } from './fingerprint.ts';
import { writeFileAtomic } from '../../lib/fs/atomic.ts';

export interface LastState {
  pipelineFile: string;
  stageId: string;
  fingerprint: Fingerprint;
  tree: FingerprintTree;
  /** ISO time of the run that recorded it. */
  recordedAt: string;
}

export function stateDir(cacheRoot: string, pipelineFile: string): string {
  return join(resolve(cacheRoot), 'state', sha256Hex(resolve(pipelineFile)));
}

function statePath(cacheRoot: string, pipelineFile: string, stageId: string): string {
  // Stage ids are identifiers (the schema's pattern); encoding keeps any other id a single file name, and the
  // confinement check keeps it inside the state folder whatever it is.
  return confinedPath(stateDir(cacheRoot, pipelineFile), `${encodeURIComponent(stageId)}.json`);
}

export async function readLastState(
  cacheRoot: string,
  pipelineFile: string,
  stageId: string,
): Promise<LastState | null> {
  let parsed: Partial<LastState>;
  try {
    parsed = JSON.parse(await readFile(statePath(cacheRoot, pipelineFile, stageId), 'utf8')) as Partial<LastState>;
  } catch {
    return null;
  }
  if (typeof parsed.fingerprint !== 'string' || typeof parsed.tree !== 'object' || parsed.tree === null) return null;
  return parsed as LastState;
}

export async function writeLastState(
  cacheRoot: string,
  pipelineFile: string,
  stageId: string,
  state: { fingerprint: Fingerprint; tree: FingerprintTree; recordedAt?: string },
): Promise<void> {
  const path = statePath(cacheRoot, pipelineFile, stageId);
  await mkdir(dirname(path), { recursive: true });
  const record: LastState = {
    pipelineFile: resolve(pipelineFile),
    stageId,
    fingerprint: state.fingerprint,
    tree: state.tree,
    recordedAt: state.recordedAt ?? new Date().toISOString(),
  };
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
}
