// The owner record inside a lock file (lock.ts), and how it is read and refreshed:
//   {"pid":41234,"host":"lap-7","token":"9c1e…","acquiredAt":"2026-…Z","heartbeatAt":"2026-…Z"}
// The heartbeat rewrites the record *in place*, through a handle whose token it has just read, with the same
// number of bytes (ISO times are fixed width): the lock file keeps its inode, so a heartbeat can never replace a
// lock that someone else has taken over (a temp + rename would put ours back over theirs), and a reader never
// sees a shorter file. A heartbeat also moves the file's mtime, which is what cleanStale() ages.
// Reads go through open(): on NFS, open revalidates the cached attributes and data with the server (close-to-open
// consistency), which a bare stat() does not (attributes may be cached for up to a minute).
import { open } from 'node:fs/promises';

export interface LockOwner {
  pid: number;
  host: string;
  /** Random per acquisition: release() removes the file only if it is still ours. */
  token: string;
  acquiredAt: string;
  /** Refreshed every heartbeat while the lock is held (absent in locks of older versions). */
  heartbeatAt?: string;
}

/** A lock file as read: its raw text (what staleness compares), the owner parsed from it, and its mtime. */
export interface LockFileState {
  text: string;
  owner: LockOwner | undefined;
  mtimeMs: number;
}

export function encodeLockOwner(owner: LockOwner): string {
  return JSON.stringify(owner);
}

export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    // unparseable: the caller decides
  }
  return undefined;
}

/** The lock file at `path`; undefined if there is none (released meanwhile). */
export async function readLockFile(path: string): Promise<LockFileState | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const text = await handle.readFile('utf8');
    const { mtimeMs } = await handle.stat();
    return { text, owner: parseLockOwner(text), mtimeMs };
  } finally {
    await handle.close();
  }
}

/** The owner recorded in a lock file; undefined if there is none or it can't be parsed. */
export async function readLockOwner(path: string): Promise<LockOwner | undefined> {
  return (await readLockFile(path).catch(() => undefined))?.owner;
}

/**
 * One heartbeat: rewrites `owner` with a new heartbeatAt into the lock file, if that file still holds our token.
 * Returns false when the lock is no longer ours (gone, or taken over): the heartbeat should stop.
 */
export async function refreshLockFile(path: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const text = await handle.readFile('utf8');
    if (parseLockOwner(text)?.token !== owner.token) return false;
    owner.heartbeatAt = new Date().toISOString();
    const bytes = Buffer.from(encodeLockOwner(owner));
    await handle.write(bytes, 0, bytes.length, 0);
    if (bytes.length < Buffer.byteLength(text)) await handle.truncate(bytes.length);
    return true;
  } finally {
    await handle.close(); // on NFS, close is what sends the write to the server
  }
}
