// The content-addressed stage cache on disk:
//   <root>/<fp>/manifest.json, <root>/<fp>/out/...   entries, each fully present or absent
//   <root>/tmp/<fp>.<host>.<pid>.<nonce>/             entries being written ({out/, scratch/}) and entries
//                                                      being deleted (….trash); litter of gone writers is
//                                                      cleanStale()'s (stale.ts)
//   <root>/locks/<fp>.lock                            one writer per fingerprint (lib/fs/lock.ts), across hosts
//                                                      when the root is on a shared disk
//   <root>/checkpoints/<resumeKey>/                   training checkpoints; survive interruption and misses
//   <root>/jobs/<run id>/                             a Slurm run's batch scripts, logs and events
// An entry becomes visible by one rename of a finished temp folder whose files and manifest are already fsynced,
// so a reader (or a crash, SIGKILL included) sees the whole entry or nothing. A hit re-hashes every output, and so
// does adopt(), which commits an entry whose files came from elsewhere (a remote cache) the same way.
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Fingerprint, StageResult } from '../../stages/stage.ts';
import { fingerprintOf, type FingerprintTree, type ResumeKey } from './fingerprint.ts';
import { digestFile } from './hash.ts';
import { acquireLock, DEFAULT_LOCK_TIMING, type LockOwner, type LockTiming } from '../../lib/fs/lock.ts';
import {
  MANIFEST_FORMAT,
  readManifest,
  verifyEntry,
  type CacheEntry,
  type CorruptEntry,
  type LookupResult,
  type Manifest,
} from './manifest.ts';
import { fsyncDir, listTree, mapLimit, writeFileDurable } from '../../lib/fs/atomic.ts';
import { ownedName } from '../../lib/fs/owner.ts';
import { cleanStale, type StaleReport } from './stale.ts';
import { TFPIPE_VERSION } from './version.ts';

export type { CacheEntry, CorruptEntry, LookupResult, Manifest } from './manifest.ts';
export type { StaleReport } from './stale.ts';
export { resolveCacheRoot } from './root.ts';

/** What produce() is handed besides its output folder. */
export interface ProduceContext {
  /** Removed before the entry is committed, whatever the outcome. */
  scratchDir: string;
  signal: AbortSignal;
}

export type Produce = (outDir: string, ctx: ProduceContext) => Promise<StageResult>;

export interface WriteOptions {
  signal?: AbortSignal;
  /** Called when another process holds this fingerprint's lock and we start waiting for it. */
  onWait?: (holder: LockOwner | undefined) => void;
}

/**
 * The entry write() leaves in place, and how it came to be:
 *   'written'  produce() ran and its outputs are now the entry (replacedCorrupt: a corrupt entry was there before)
 *   'reused'   another run wrote it while we waited for the lock (waited) or raced us to the rename;
 *              our produce() did not run, or its outputs were dropped
 */
export type WrittenEntry = CacheEntry & {
  origin: 'written' | 'reused';
  waited: boolean;
  replacedCorrupt?: CorruptEntry;
};

export interface CacheStoreOptions {
  /** Heartbeat and stale threshold of the fingerprint locks (DEFAULT_LOCK_TIMING: 5 s, 30 s); tests shorten them. */
  lockTiming?: Partial<LockTiming>;
}

/** Writes an entry's out/ files and manifest.json into `tempDir` (see adopt()). */
export type Fill = (tempDir: string, signal: AbortSignal) => Promise<void>;

export type AdoptResult = { status: 'adopted' | 'reused'; entry: CacheEntry } | CorruptEntry;

export class CacheStore {
  readonly root: string;
  readonly tmpRoot: string;
  readonly lockRoot: string;
  readonly checkpointRoot: string;
  readonly lockTiming: LockTiming;

  constructor(root: string, options: CacheStoreOptions = {}) {
    this.root = root;
    this.lockTiming = { ...DEFAULT_LOCK_TIMING, ...options.lockTiming };
    this.tmpRoot = join(root, 'tmp');
    this.lockRoot = join(root, 'locks');
    this.checkpointRoot = join(root, 'checkpoints');
  }

  /** <root>/<fp>. Anything but 64 hex digits is refused: 'tmp' or '../x' must never name an entry. */
  entryDir(fp: Fingerprint): string {
    if (!/^[0-9a-f]{64}$/.test(fp)) throw new Error(`not a stage fingerprint (64 hex digits): ${JSON.stringify(fp)}`);
    return join(this.root, fp);
  }

  /** Verifies the entry in full (every output re-hashed). */
  async lookup(fp: Fingerprint, signal?: AbortSignal): Promise<LookupResult> {
    return verifyEntry(this.entryDir(fp), fp, signal);
  }

  /** The manifest alone, unverified: cheap, for `tfpipe status` and listings. */
  async peek(fp: Fingerprint): Promise<Manifest | undefined> {
    const read = await readManifest(this.entryDir(fp));
    return read.status === 'ok' ? read.manifest : undefined;
  }

  /**
   * Runs produce() into a fresh temp folder and commits its outputs as the entry for `fp`, unless the entry turns
   * out to exist once the lock is ours (then it is reused and produce() never runs).
   * Rejects with produce()'s own error, or with the signal's reason when aborted (while waiting, producing or
   * committing); either way nothing of this attempt is left: no entry, no temp folder, no lock.
   */
  async write(
    fp: Fingerprint,
    tree: FingerprintTree,
    produce: Produce,
    options: WriteOptions = {},
  ): Promise<WrittenEntry> {
    if (fingerprintOf(tree) !== fp) throw new Error(`CacheStore.write: the tree does not hash to ${fp}`);
    const { signal = new AbortController().signal, onWait } = options;
    await Promise.all([mkdir(this.tmpRoot, { recursive: true }), mkdir(this.lockRoot, { recursive: true })]);
    const acquired = await acquireLock(join(this.lockRoot, `${fp}.lock`), { signal, onWait, ...this.lockTiming });
    if (acquired.status === 'aborted') throw abortReason(signal);
    try {
      // Whoever held the lock before us may have written the entry: reuse it rather than recompute.
      const existing = await this.lookup(fp, signal);
      if (existing.status === 'hit') return { ...toEntry(existing), origin: 'reused', waited: acquired.waited };
      if (existing.status === 'corrupt') await this.removeDir(this.entryDir(fp));
      const written = await this.produceAndCommit(fp, tree, produce, signal);
      const replaced =
        existing.status === 'corrupt' && written.origin === 'written' ? { replacedCorrupt: existing } : {};
      return { ...written, waited: acquired.waited, ...replaced };
    } finally {
      await acquired.lock.release();
    }
  }

  private async produceAndCommit(
    fp: Fingerprint,
    tree: FingerprintTree,
    produce: Produce,
    signal: AbortSignal,
  ): Promise<WrittenEntry> {
    const temp = join(this.tmpRoot, ownedName(fp));
    const outDir = join(temp, 'out');
    const scratchDir = join(temp, 'scratch');
    await mkdir(outDir, { recursive: true });
    await mkdir(scratchDir);
    try {
      const startedAt = new Date();
      const t0 = performance.now();
      const result = await produce(outDir, { scratchDir, signal });
      const durationMs = performance.now() - t0;
      // A stage that returns early on abort may have written only part of its outputs: never commit those.
      signal.throwIfAborted();
      await rm(scratchDir, { recursive: true, force: true });
      const manifest = await this.sealOutputs(fp, tree, outDir, result, startedAt, durationMs, signal);
      await writeFileDurable(join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await fsyncDir(temp);
      signal.throwIfAborted();
      return await this.publish(fp, temp, manifest);
    } catch (error) {
      throw signal.aborted ? abortReason(signal) : error;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Hashes (and fsyncs) every output, fsyncs their folders, and builds the manifest. */
  private async sealOutputs(
    fp: Fingerprint,
    tree: FingerprintTree,
    outDir: string,
    result: StageResult,
    startedAt: Date,
    durationMs: number,
    signal: AbortSignal,
  ): Promise<Manifest> {
    const listing = await listTree(outDir);
    if (listing.others.length > 0)
      throw new Error(`stage output ${listing.others[0]} is not a regular file (symlinks are not allowed)`);
    const names = [...listing.files.keys()];
    const digests = await mapLimit(names, 2, (name) => digestFile(join(outDir, name), { signal, fsync: true }));
    for (const dir of [...listing.dirs.reverse(), '']) await fsyncDir(join(outDir, dir));
    const files: Manifest['files'] = {};
    names.forEach((name, i) => (files[name] = digests[i]));
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      fingerprint: fp,
      tree,
      files,
      started: startedAt.toISOString(),
      finished: new Date(startedAt.getTime() + durationMs).toISOString(),
      durationMs: Math.round(durationMs),
      metrics: result.metrics ?? {},
      tfpipe: TFPIPE_VERSION,
    };
    if (result.summary !== undefined) manifest.summary = result.summary;
    return manifest;
  }

  /**
   * Commits an entry whose files come from elsewhere (a remote cache). fill() writes out/ and manifest.json into a
   * fresh temp folder, fsyncing each file; the folder is then verified in full, as a lookup would, and published by
   * the same rename as write()'s. Resolves to the entry ('adopted', or 'reused' when it is already here, fill()
   * not called), or to what verification found wrong (then nothing is kept). Rejects with fill()'s error or the
   * signal's reason; either way nothing of this attempt is left.
   */
  async adopt(fp: Fingerprint, fill: Fill, options: WriteOptions = {}): Promise<AdoptResult> {
    const { signal = new AbortController().signal, onWait } = options;
    await Promise.all([mkdir(this.tmpRoot, { recursive: true }), mkdir(this.lockRoot, { recursive: true })]);
    const acquired = await acquireLock(join(this.lockRoot, `${fp}.lock`), { signal, onWait, ...this.lockTiming });
    if (acquired.status === 'aborted') throw abortReason(signal);
    const temp = join(this.tmpRoot, ownedName(fp));
    try {
      const existing = await this.lookup(fp, signal);
      if (existing.status === 'hit') return { status: 'reused', entry: toEntry(existing) };
      await mkdir(join(temp, 'out'), { recursive: true });
      await fill(temp, signal);
      const checked = await verifyEntry(temp, fp, signal);
      if (checked.status !== 'hit') return checked.status === 'miss' ? missingTemp(fp) : checked;
      for (const dir of [...(await listTree(join(temp, 'out'))).dirs.reverse(), ''])
        await fsyncDir(join(temp, 'out', dir));
      await fsyncDir(temp);
      signal.throwIfAborted();
      if (existing.status === 'corrupt') await this.removeDir(this.entryDir(fp));
      const published = await this.publish(fp, temp, checked.manifest);
      const { origin: _, waited: __, ...entry } = published;
      return { status: published.origin === 'written' ? 'adopted' : 'reused', entry };
    } catch (error) {
      throw signal.aborted ? abortReason(signal) : error;
    } finally {
      await rm(temp, { recursive: true, force: true });
      await acquired.lock.release();
    }
  }

  /** Renames the sealed temp folder into place. Someone may have beaten us to it (a run that ignored the lock). */
  private async publish(fp: Fingerprint, temp: string, manifest: Manifest): Promise<WrittenEntry> {
    const dir = this.entryDir(fp);
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, dir);
        await fsyncDir(this.root);
        return { fingerprint: fp, dir, outDir: join(dir, 'out'), manifest, origin: 'written', waited: false };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) throw error;
      }
      const present = await this.lookup(fp);
      if (present.status === 'hit') return { ...toEntry(present), origin: 'reused', waited: false };
      await this.removeDir(dir);
    }
  }

  /** Removes an entry; true if there was one. The entry vanishes at once (renamed aside, then deleted). */
  async remove(fp: Fingerprint): Promise<boolean> {
    return this.removeDir(this.entryDir(fp));
  }

  /** Removes a checkpoint folder the same way (tfpipe gc); true if there was one. */
  async removeCheckpoint(key: ResumeKey): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a resume key (64 hex digits): ${JSON.stringify(key)}`);
    return this.removeDir(join(this.checkpointRoot, key));
  }

  /**
   * Removes a run's Slurm job folder, <root>/jobs/<run id>, the same way (tfpipe gc); true if there was one.
   * The id must be one folder name of letters, digits and dashes: '..' or 'a/b' never reaches a rename.
   */
  async removeJobFolder(runId: string): Promise<boolean> {
    if (!/^[0-9A-Za-z][0-9A-Za-z-]*$/.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
    return this.removeDir(join(this.root, 'jobs', runId));
  }

  private async removeDir(dir: string): Promise<boolean> {
    await mkdir(this.tmpRoot, { recursive: true });
    const aside = join(this.tmpRoot, ownedName(basename(dir), '.trash'));
    try {
      await rename(dir, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  }

  /**
   * Removes temp folders and locks left by writers that are gone: dead processes of this host, and those of other
   * hosts sharing the disk once untouched for the stale threshold (stale.ts).
   */
  async cleanStale(): Promise<StaleReport> {
    return cleanStale(this, this.lockTiming.staleMs);
  }

  /** <root>/checkpoints/<key>/, created on demand; kept across runs and misses until the user cleans it. */
  async checkpointDir(key: ResumeKey): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a resume key (64 hex digits): ${JSON.stringify(key)}`);
    const dir = join(this.checkpointRoot, key);
    await mkdir(dir, { recursive: true });
    return dir;
  }
}

/** What write() rejects with when its signal fires: the signal's reason (an AbortError DOMException by default). */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function missingTemp(fp: Fingerprint): CorruptEntry {
  return {
    status: 'corrupt',
    code: 'not-a-folder',
    reason: `cache entry ${fp.slice(0, 12)}: its temp folder vanished`,
  };
}

function toEntry(hit: Extract<LookupResult, { status: 'hit' }>): CacheEntry {
  return { fingerprint: hit.fingerprint, dir: hit.dir, outDir: hit.outDir, manifest: hit.manifest };
}
