// File-system steps the cache is built from: atomic writes (temp + fsync + rename + fsync of the folder),
// folder fsync, and a walk that lists a folder's files with their sizes.
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ownedName } from './owner.ts';

/**
 * Writes `data` so that readers see either the old file or the whole new one, never a prefix: a temp file in the
 * same folder (same file system, so rename is atomic), flushed, renamed over the target, and the folder flushed
 * so the rename itself survives a power cut.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = ownedName(path, '.tmp');
  try {
    await writeFileDurable(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(path));
}

/** Creates `path` (which must not exist) with `data`, flushed to disk before returning. */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a folder: makes the names created or renamed in it durable. A no-op where the OS refuses it. */
export async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

export interface TreeListing {
  /** Regular files: '/'-separated path relative to the root → size in bytes. Sorted by path. */
  files: Map<string, number>;
  /** Entries that are neither regular files nor folders (symlinks, sockets…), relative paths. */
  others: string[];
  /** Sub-folders (relative), parents before children. */
  dirs: string[];
}

/** Lists everything under `root` without following symlinks. */
export async function listTree(root: string): Promise<TreeListing> {
  const listing: TreeListing = { files: new Map(), others: [], dirs: [] };
  const found: [string, number][] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        listing.dirs.push(childRel);
        await walk(childRel);
      } else if (entry.isFile()) {
        found.push([childRel, (await lstat(join(root, childRel))).size]);
      } else {
        listing.others.push(childRel);
      }
    }
  };
  await walk('');
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [rel, size] of found) listing.files.set(rel, size);
  return listing;
}

/** Runs `task` over `items` with at most `limit` in flight; resolves to the results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
