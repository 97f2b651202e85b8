// An exclusive lock file per fingerprint, <root>/locks/<fp>.lock, holding its owner record (lock-record.ts),
// safe on a disk shared by several hosts (NFS, Lustre): no flock, only link, rename and unlink in one folder.
// Created atomically *with* its content: the record is written to a temp file that is then hard-linked to the
// lock path (link fails with EEXIST exactly like open O_EXCL, but no one can ever see an empty lock file; on NFS,
// where a retransmitted link can report EEXIST although it succeeded, the temp file's link count says who won).
// While held, the record is refreshed every heartbeatMs (5 s; lock-heartbeat.ts) until release.
// A second process polls with backoff (25 ms ×1.5 up to 500 ms) until the lock goes, or its AbortSignal fires.
// It takes the lock over when the holder is gone:
//   - a holder on this host: at once when its pid is dead, never while it lives (a stage that keeps the event loop
//     busy for a minute skips heartbeats but is not gone);
//   - a holder on another host, or an unreadable record: once the lock file's text (its heartbeat) has not changed
//     for staleMs (30 s) as timed by the waiter's own monotonic clock. No two hosts' clocks are ever compared, so clock skew cannot make a live lock
//     look stale; a lock whose heartbeat keeps moving is waited for however long it is held.
// Taking over renames the lock aside (atomic: of several waiters only one wins the rename), checks the file it
// got still holds the text judged stale (a heartbeat in between means the holder lives: it is put back), then
// removes it and tries to create its own.
// The lock saves duplicate work; correctness does not rest on it, since entries appear by rename and a writer
// that finds its entry already present reuses it.
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsNow } from './fs-clock.ts';
import { startHeartbeat } from './lock-heartbeat.ts';
import { encodeLockOwner, readLockFile, readLockOwner, type LockOwner } from './lock-record.ts';
import { HOST_TAG, isOwnerGone, ownedName } from './owner.ts';

export { readLockFile, readLockOwner, type LockFileState, type LockOwner } from './lock-record.ts';

export interface LockTiming {
  /** How often a holder refreshes its record. */
  heartbeatMs: number;
  /** How long a waiter watches a lock not change before taking it over; keep it many heartbeats long. */
  staleMs: number;
}

export const DEFAULT_LOCK_TIMING: LockTiming = { heartbeatMs: 5_000, staleMs: 30_000 };

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

export type AcquireResult =
  { status: 'acquired'; lock: HeldLock; waited: boolean; tookOverFrom?: LockOwner } | { status: 'aborted' };

export interface AcquireOptions extends Partial<LockTiming> {
  signal?: AbortSignal;
  /** Called once, when the lock is first found held by someone else (undefined: unreadable lock file). */
  onWait?: (holder: LockOwner | undefined) => void;
}

export async function acquireLock(path: string, options: AcquireOptions = {}): Promise<AcquireResult> {
  const { staleMs = DEFAULT_LOCK_TIMING.staleMs, heartbeatMs = DEFAULT_LOCK_TIMING.heartbeatMs } = options;
  let delay = 25;
  let waited = false;
  let tookOverFrom: LockOwner | undefined;
  /** The lock file's text when last seen, and since when (performance.now()) it has read so. */
  let seen: { text: string; since: number } | undefined;
  for (;;) {
    if (options.signal?.aborted) return { status: 'aborted' };
    const attempt = await tryAcquireLock(path, { heartbeatMs });
    if (attempt.status === 'acquired') return { status: 'acquired', lock: attempt.lock, waited, tookOverFrom };
    const { holder, text } = attempt;
    if (text !== undefined) {
      const now = performance.now();
      if (seen?.text !== text) seen = { text, since: now };
      const unchangedMs = now - seen.since;
      const stale = holder !== undefined ? isOwnerGone(holder, unchangedMs, staleMs) : unchangedMs > staleMs;
      if (stale && (await takeOver(path, text))) {
        tookOverFrom = holder;
        seen = undefined;
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
  | { status: 'acquired'; lock: HeldLock }
  /** text: the lock file's content as read (undefined: it went before we could read it). */
  | { status: 'held'; holder: LockOwner | undefined; text: string | undefined };

export async function tryAcquireLock(
  path: string,
  { heartbeatMs = DEFAULT_LOCK_TIMING.heartbeatMs }: Partial<Pick<LockTiming, 'heartbeatMs'>> = {},
): Promise<TryAcquireResult> {
  const now = new Date().toISOString();
  const owner: LockOwner = {
    pid: process.pid,
    host: HOST_TAG,
    token: randomBytes(8).toString('hex'),
    acquiredAt: now,
    heartbeatAt: now,
  };
  const temp = ownedName(path, '.tmp');
  await writeFile(temp, encodeLockOwner(owner));
  try {
    if (!(await linkExclusive(temp, path))) {
      const state = await readLockFile(path).catch(() => undefined);
      return { status: 'held', holder: state?.owner, text: state?.text };
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
  const heartbeat = startHeartbeat(path, owner, heartbeatMs);
  const release = async () => {
    await heartbeat.stop();
    await releaseLock(path, owner);
  };
  return { status: 'acquired', lock: { path, owner, release } };
}

/** link(temp, path); true if `path` is now our temp file. See open(2) on O_EXCL over NFS for the nlink check. */
async function linkExclusive(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await stat(temp)).nlink === 2;
  }
}

async function releaseLock(path: string, owner: LockOwner): Promise<void> {
  const current = await readLockOwner(path);
  if (current?.token === owner.token) await unlink(path).catch(() => {});
}

/**
 * Removes a stale lock whose text was `expected`. Renaming it aside first means two waiters can't both remove it
 * (and the second can't remove a fresh lock the first just made): whoever renames it owns that file and checks
 * what it got.
 */
async function takeOver(path: string, expected: string): Promise<boolean> {
  const aside = ownedName(path, '.stale');
  try {
    await rename(path, aside);
  } catch {
    return false; // already gone or taken over by another waiter: just try again
  }
  const got = await readFile(aside, 'utf8').catch(() => undefined);
  if (got !== expected) {
    // A live lock replaced the stale one, or its holder beat, between our read and our rename: put it back.
    await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
    return false;
  }
  await unlink(aside).catch(() => {});
  return true;
}

/**
 * Removes the lock at `path` if its holder is gone: dead on this host, or (another host, unreadable records) the
 * file unchanged for more than staleMs, aged on the file system's clock (fs-clock.ts). True if it did.
 * One look, no watching, so unlike acquireLock it compares mtimes; both are the file server's stamps.
 */
export async function clearDeadLock(path: string, staleMs = DEFAULT_LOCK_TIMING.staleMs): Promise<boolean> {
  const state = await readLockFile(path).catch(() => undefined);
  if (state === undefined) return false;
  const ageMs = (await fsNow(dirname(path))) - state.mtimeMs;
  const dead = state.owner !== undefined ? isOwnerGone(state.owner, ageMs, staleMs) : ageMs > staleMs;
  return dead && (await takeOver(path, state.text));
}
