// `tfpipe gc`'s removal: of the cache items (inventory.ts) that nothing kept uses, remove each one safely.
//   entry        only while holding its fingerprint's lock (lib/fs/lock.ts), taken without waiting: a lock held
//                by a live process means a run is writing or re-checking that entry, and it is left alone
//                ('locked'); a lock whose holder is gone is cleared first, as a waiting run would take it over
//   checkpoint   left alone while any stage is being computed whose entry does not exist yet: a training writes its
//                checkpoint under such a lock, and a lock names a fingerprint, not the resume key (which needs the
//                tree), so which checkpoint it is cannot be told
//   jobs         a run's Slurm job folder
// Removal renames the folder into <root>/tmp first (CacheStore.remove…), so a reader sees the whole folder or none.
// A dry run reads locks but takes, clears and removes nothing.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fingerprint } from '../../stages/stage.ts';
import { clearDeadLock, readLockFile, tryAcquireLock, type LockOwner } from '../../lib/fs/lock.ts';
import { isOwnerDead } from '../../lib/fs/owner.ts';
import type { ResumeKey } from './fingerprint.ts';
import type { CacheItem } from './inventory.ts';
import type { CacheStore } from './store.ts';

export interface InUseNames {
  fingerprints: ReadonlySet<string>;
  resumeKeys: ReadonlySet<string>;
  runIds: ReadonlySet<string>;
}

/** Why an unused item stayed: its entry's lock is held (by `holder`), or a training may be writing checkpoints. */
export type KeptReason = { reason: 'locked'; holder: LockOwner | undefined } | { reason: 'training-under-way' };

export interface GcResult {
  /** Removed, or with dryRun what would be. */
  removed: CacheItem[];
  /** Unused, but left alone, and why. */
  held: (CacheItem & KeptReason)[];
  /** Items something kept uses. */
  used: CacheItem[];
}

function isUsed(item: CacheItem, inUse: InUseNames): boolean {
  const names = { entry: inUse.fingerprints, checkpoint: inUse.resumeKeys, jobs: inUse.runIds }[item.type];
  return names.has(item.name);
}

export async function collectGarbage(
  cache: CacheStore,
  items: readonly CacheItem[],
  inUse: InUseNames,
  options: { dryRun: boolean },
): Promise<GcResult> {
  const result: GcResult = { removed: [], held: [], used: [] };
  const unused = items.filter((item) => (isUsed(item, inUse) ? (result.used.push(item), false) : true));
  const training = unused.some((i) => i.type === 'checkpoint') && (await stageUnderWay(cache, options.dryRun));
  for (const item of unused) {
    if (item.type === 'checkpoint' && training) {
      result.held.push({ ...item, reason: 'training-under-way' });
      continue;
    }
    const kept = item.type === 'entry' ? await removeEntry(cache, item, options.dryRun) : undefined;
    if (kept) result.held.push({ ...item, ...kept });
    else {
      if (!options.dryRun && item.type === 'checkpoint') await cache.removeCheckpoint(item.name as ResumeKey);
      if (!options.dryRun && item.type === 'jobs') await cache.removeJobFolder(item.name);
      result.removed.push(item);
    }
  }
  return result;
}

/** Removes the entry under its lock (dry run: only looks); the lock's holder when a live process has it. */
async function removeEntry(cache: CacheStore, item: CacheItem, dryRun: boolean): Promise<KeptReason | undefined> {
  const path = join(cache.lockRoot, `${item.name}.lock`);
  if (dryRun) {
    const state = await readLockFile(path).catch(() => undefined);
    // Another host's holder can't be judged from one look: counted as live, as the real run would find it.
    if (state && !(state.owner && isOwnerDead(state.owner))) return { reason: 'locked', holder: state.owner };
    return undefined;
  }
  await mkdir(cache.lockRoot, { recursive: true });
  await clearDeadLock(path, cache.lockTiming.staleMs);
  const attempt = await tryAcquireLock(path, { heartbeatMs: cache.lockTiming.heartbeatMs });
  if (attempt.status === 'held') return { reason: 'locked', holder: attempt.holder };
  try {
    await cache.remove(item.name as Fingerprint);
  } finally {
    await attempt.lock.release();
  }
  return undefined;
}

/**
 * Whether a live lock names a fingerprint that has no entry yet: a stage is being computed right now. Locks of
 * gone holders are cleared first (dry run: only this host's dead ones are told apart), or a crashed run's lock
 * would keep every checkpoint forever.
 */
async function stageUnderWay(cache: CacheStore, dryRun: boolean): Promise<boolean> {
  const names = await readdir(cache.lockRoot).catch(() => [] as string[]);
  for (const name of names) {
    const fp = /^([0-9a-f]{64})\.lock$/.exec(name)?.[1];
    if (fp === undefined || existsSync(join(cache.root, fp))) continue;
    if (!dryRun && (await clearDeadLock(join(cache.lockRoot, name), cache.lockTiming.staleMs))) continue;
    const state = await readLockFile(join(cache.lockRoot, name)).catch(() => undefined);
    if (state && !(state.owner && isOwnerDead(state.owner))) return true;
  }
  return false;
}
