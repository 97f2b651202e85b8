// What cleanStale() removes from a cache root: litter of writers that are gone, from this host or any other
// sharing the disk. Names carry their owner (lib/fs/owner.ts), and the rule is isOwnerGone's:
//   this host      the pid is dead (process.kill(pid, 0) says ESRCH): removed at once
//   another host   untouched for more than staleMs, aged on the file system's clock (lib/fs/fs-clock.ts), since
//                  that host's pid can't be checked from here
//   <fp>.lock      lib/fs/lock.ts's clearDeadLock: dead pid on this host, or not refreshed for staleMs
// A temp folder of another host is kept, however old its mtime, while its owner (same host and pid) holds the
// fingerprint's lock: a long produce() writes below the folder, not into it, so the folder's own mtime says
// nothing of progress, but the lock's heartbeat does. Locks are therefore cleared first, then temp folders.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clearDeadLock, readLockOwner } from '../../lib/fs/lock.ts';
import { fileAger } from '../../lib/fs/fs-clock.ts';
import { HOST_TAG, isOwnerGone, parseOwnedName, type NameOwner } from '../../lib/fs/owner.ts';

export interface StaleReport {
  /** Temp folders (unfinished writes, half-deleted entries) of gone processes, removed. */
  tempDirs: string[];
  /** Lock files (and their temp files) of gone processes, removed. */
  locks: string[];
}

export interface CacheFolders {
  tmpRoot: string;
  lockRoot: string;
}

export async function cleanStale(folders: CacheFolders, staleMs: number): Promise<StaleReport> {
  const report: StaleReport = { tempDirs: [], locks: [] };
  const { tmpRoot, lockRoot } = folders;
  const lockAge = fileAger(lockRoot);
  for (const name of await readdirIfAny(lockRoot)) {
    const path = join(lockRoot, name);
    if (name.endsWith('.lock')) {
      if (await clearDeadLock(path, staleMs)) report.locks.push(name);
      continue;
    }
    const owner = parseOwnedName(name); // a lock's temp (.tmp) or taken-over (.stale) file, a clock probe
    if (owner && (await isGone(owner, path, lockAge, staleMs))) {
      await rm(path, { force: true });
      report.locks.push(name);
    }
  }
  const tmpAge = fileAger(tmpRoot);
  for (const name of await readdirIfAny(tmpRoot)) {
    const path = join(tmpRoot, name);
    const owner = parseOwnedName(name);
    if (!owner || !(await isGone(owner, path, tmpAge, staleMs))) continue;
    if (owner.host !== HOST_TAG && (await holdsLock(lockRoot, name, owner))) continue;
    await rm(path, { recursive: true, force: true });
    report.tempDirs.push(name);
  }
  return report;
}

async function isGone(owner: NameOwner, path: string, ageOf: (path: string) => Promise<number>, staleMs: number) {
  // The age matters only for another host's names: don't stat (or probe the clock) for ours.
  return isOwnerGone(owner, owner.host === HOST_TAG ? 0 : await ageOf(path), staleMs);
}

/** Whether the writer that owns temp folder `name` (<fp>.<host>.<pid>.<nonce>) holds <fp>.lock. */
async function holdsLock(lockRoot: string, name: string, owner: NameOwner): Promise<boolean> {
  const fp = name.slice(0, name.indexOf('.'));
  const holder = await readLockOwner(join(lockRoot, `${fp}.lock`));
  return holder?.host === owner.host && holder.pid === owner.pid;
}

async function readdirIfAny(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
