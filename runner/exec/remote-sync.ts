// What a run does with a remote cache: on a local miss, pull the stage's entry before deciding to run it; after a
// stage runs, push its entry. The remote only ever helps: an unusable remote entry is reported and recomputed, and
// a remote that cannot be reached is one warning, after which this run stops asking it (no retry per stage).
import type { Fingerprint } from '../../stages/stage.ts';
import type { CacheEntry, CacheStore } from '../cache/store.ts';
import type { ObjectStore } from '../cache/remote/object-store.ts';
import { pullEntry } from '../cache/remote/pull.ts';
import { pushEntry } from '../cache/remote/push.ts';
import { describeSystemError } from './system-errors.ts';

export type SyncPull =
  | { status: 'pulled'; entry: CacheEntry; bytes: number }
  | { status: 'miss' }
  /** The remote's entry is damaged or partial: reason names the stage and the file. */
  | { status: 'unusable'; reason: string };

export interface RemoteSync {
  readonly url: string;
  pull(fp: Fingerprint, stage: string): Promise<SyncPull>;
  /** Pushes a freshly written entry; resolves to the bytes uploaded (0 when the remote had it). */
  push(entry: CacheEntry, stage: string): Promise<number>;
  /** What went wrong with the remote during the run, each said once. */
  warnings(): string[];
}

export function createRemoteSync(remote: ObjectStore, cache: CacheStore, signal: AbortSignal): RemoteSync {
  const warnings: string[] = [];
  let reachable = true;
  const failed = (what: string, error: unknown) => {
    if (signal.aborted) return;
    const why = describeSystemError(error) ?? (error instanceof Error ? error.message : String(error));
    warnings.push(`${what}: ${why}; the rest of this run does without the remote cache ${remote.url}`);
    reachable = false;
  };
  return {
    url: remote.url,
    async pull(fp, stage) {
      if (!reachable) return { status: 'miss' };
      try {
        const pulled = await pullEntry(remote, cache, fp, stage, signal);
        if (pulled.status === 'local') return { status: 'pulled', entry: pulled.entry, bytes: 0 };
        return pulled;
      } catch (error) {
        failed(`could not pull stage ${stage}`, error);
        return { status: 'miss' };
      }
    },
    async push(entry, stage) {
      if (!reachable) return 0;
      try {
        const pushed = await pushEntry(remote, entry, signal);
        return pushed.status === 'pushed' ? pushed.bytes : 0;
      } catch (error) {
        failed(`could not push stage ${stage}`, error);
        return 0;
      }
    },
    warnings: () => [...warnings],
  };
}
