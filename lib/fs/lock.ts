// An exclusive lock file per fingerprint, <root>/locks/<fp>.lock, holding {pid, host, token, acquiredAt}.
// Created atomically *with* its content: the owner record is written to a temp file that is then hard-linked to
// the lock path (link fails with EEXIST exactly like open O_EXCL, but no one can ever see an empty lock file).
// A second process polls with backoff (25 ms ×1.5 up to 500 ms) until the lock goes, or until its AbortSignal
// fires. A lock whose pid is dead on this host is taken over: renamed aside (atomic, so only one waiter wins),
// checked to still be the dead one, then removed.
// The lock saves duplicate work; correctness does not rest on it, since entries appear by rename and a writer
// that finds its entry already present reuses it.
import { link, readFile, rename, unlink, writeFile, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOST_TAG, isOwnerDead, ownedName } from './owner.ts';

export interface LockOwner {
  pid: number;
  host: string;
  /** Random per acquisition: release() removes the file only if it is still ours. */
  token: string;
  acquiredAt: string;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

export type AcquireResult =
  { status: 'acquired'; lock: HeldLock; waited: boolean; tookOverFrom?: LockOwner } | { status: 'aborted' };

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called once, when the lock is first found held by someone else (undefined: unreadable lock file). */
  onWait?: (holder: LockOwner | undefined) => void;
}

/** A lock file that can't be parsed and is older than this is treated as abandoned. */
const UNREADABLE_GRACE_MS = 10_000;

export async function acquireLock(path: string, options: AcquireOptions = {}): Promise<AcquireResult> {
  let delay = 25;
  let waited = false;
  let tookOverFrom: LockOwner | undefined;
  for (;;) {
    if (options.signal?.aborted) return { status: 'aborted' };
    const attempt = await tryAcquireLock(path);
    if (attempt.status === 'acquired') return { status: 'acquired', lock: attempt.lock, waited, tookOverFrom };
    const holder = attempt.holder;
    if (holder ? isOwnerDead(holder) : await isAbandoned(path)) {
      if (await takeOver(path, holder)) {
        tookOverFrom = holder;
        continue;
      }
    }
    if (!waited) options.onWait?.(holder);
    waited = true;
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return { status: 'aborted' };
    }
    delay = Math.min(delay * 1.5, 500);
  }
}

export type TryAcquireResult =
  { status: 'acquired'; lock: HeldLock } | { status: 'held'; holder: LockOwner | undefined };

export async function tryAcquireLock(path: string): Promise<TryAcquireResult> {
  const owner: LockOwner = {
    pid: process.pid,
    host: HOST_TAG,
    token: randomBytes(8).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  const temp = ownedName(path, '.tmp');
  await writeFile(temp, JSON.stringify(owner));
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { status: 'held', holder: await readLockOwner(path) };
  } finally {
    await unlink(temp).catch(() => {});
  }
  return { status: 'acquired', lock: { path, owner, release: () => releaseLock(path, owner) } };
}

/** The owner recorded in a lock file; undefined if there is none or it can't be parsed. */
export async function readLockOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return parsed as LockOwner;
    }
  } catch {
    // Missing (released meanwhile) or unparseable: the caller decides.
  }
  return undefined;
}

async function releaseLock(path: string, owner: LockOwner): Promise<void> {
  const current = await readLockOwner(path);
  if (current?.token === owner.token) await unlink(path).catch(() => {});
}

/**
 * Removes a dead holder's lock. Renaming it aside first means two waiters can't both remove it (and the second
 * can't remove a fresh lock the first just made): whoever renames it owns that file and checks what it got.
 */
async function takeOver(path: string, expected: LockOwner | undefined): Promise<boolean> {
  const aside = ownedName(path, '.stale');
  try {
    await rename(path, aside);
  } catch {
    return false; // already gone or taken over by another waiter: just try again
  }
  const got = await readLockOwner(aside);
  if (expected !== undefined && got?.token !== expected.token) {
    // A live lock replaced the dead one between our read and our rename: put it back.
    await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
    return false;
  }
  await unlink(aside).catch(() => {});
  return true;
}

/** Removes the lock at `path` if its holder is dead (or the file is unreadable and old); true if it did. */
export async function clearDeadLock(path: string): Promise<boolean> {
  const holder = await readLockOwner(path);
  const dead = holder ? isOwnerDead(holder) : await isAbandoned(path);
  return dead && (await takeOver(path, holder));
}

async function isAbandoned(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > UNREADABLE_GRACE_MS;
  } catch {
    return false; // gone: the next try will get it
  }
}
