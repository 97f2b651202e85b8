// "Now" on a file system's own clock: the mtime of a probe file just created in `dir`. Ages of files on a shared
// disk (NFS) are measured against this rather than Date.now(), because the server stamps mtimes with its clock and
// this node's clock may be off from it by any amount; mtime minus probe mtime is skew-free there. (Lustre stamps
// with the writing client's clock, so there ages are good to the cluster's NTP skew, far below a stale threshold.)
// The probe is an owned name (owner.ts), so one left by a crash is litter like any other temp file.
import { open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedName } from './owner.ts';

export async function fsNow(dir: string): Promise<number> {
  const probe = join(dir, ownedName('clock', '.tmp'));
  const handle = await open(probe, 'wx');
  try {
    return (await handle.stat()).mtimeMs;
  } finally {
    await handle.close();
    await unlink(probe).catch(() => {});
  }
}

/**
 * Ages (ms) of files in `dir`, all against one fsNow() probe taken at the first call (none if never called).
 * A file gone meanwhile is 0 ms old: nothing to remove.
 */
export function fileAger(dir: string): (path: string) => Promise<number> {
  let now: Promise<number> | undefined;
  return async (path) => {
    now ??= fsNow(dir);
    try {
      return (await now) - (await stat(path)).mtimeMs;
    } catch {
      return 0;
    }
  };
}
