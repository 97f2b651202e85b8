// What a cache root holds that `tfpipe gc` may remove, with the bytes each takes:
//   <root>/<64 hex>/                 a stage's entry (kind from its manifest; '?' when that is unreadable)
//   <root>/checkpoints/<64 hex>/     a training checkpoint folder, named by its resume key
//   <root>/jobs/<run id>/            a Slurm run's job files
// Only names of exactly those shapes are listed, so nothing else under the root (tmp/, locks/, state/, a damaged
// checkpoint set aside as <key>.damaged-…, a file a user put there) can ever become something gc removes.
// Sizes count regular files only, through lstat: a symlink inside an entry is never followed out of the root.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fingerprint } from '../../stages/stage.ts';
import type { CacheStore } from './store.ts';

export type CacheItemType = 'entry' | 'checkpoint' | 'jobs';

export interface CacheItem {
  type: CacheItemType;
  /** The folder's name: a fingerprint, a resume key or a run id. */
  name: string;
  /** The stage kind of an entry, from its manifest ('?' when unreadable); absent for checkpoints and job folders. */
  kind?: string;
  /** Bytes of the regular files below the folder. */
  bytes: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** `isRunId` decides which names under jobs/ are run ids (the registry's pattern: the cache layer doesn't own it). */
export async function listCacheItems(cache: CacheStore, isRunId: (name: string) => boolean): Promise<CacheItem[]> {
  const items: CacheItem[] = [];
  for (const name of await folders(cache.root, (n) => HEX64.test(n))) {
    const manifest = await cache.peek(name as Fingerprint);
    items.push({
      type: 'entry',
      name,
      kind: manifest?.tree.kind ?? '?',
      bytes: await treeBytes(join(cache.root, name)),
    });
  }
  for (const name of await folders(cache.checkpointRoot, (n) => HEX64.test(n)))
    items.push({ type: 'checkpoint', name, bytes: await treeBytes(join(cache.checkpointRoot, name)) });
  const jobsRoot = join(cache.root, 'jobs');
  for (const name of await folders(jobsRoot, isRunId))
    items.push({ type: 'jobs', name, bytes: await treeBytes(join(jobsRoot, name)) });
  return items;
}

/** Sub-folders of `dir` whose names pass `accept`, sorted; none when `dir` is missing. */
async function folders(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && accept(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Bytes of the regular files below `dir`; a file that vanishes meanwhile (a concurrent gc) counts 0. */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(path);
    else if (e.isFile())
      total += await lstat(path).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}
