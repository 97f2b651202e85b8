// What a run does with a remote cache: on a local miss, pull the stage's entry before deciding to run it; after a
// stage runs, push its entry. The remote only ever helps: an unusable remote entry is reported and recomputed, and
// a remote that cannot be reached is one warning, after which this run stops asking it (no retry per stage).
// Training checkpoints go both ways too (cache/remote/checkpoints.ts), so a training resumes on another machine.
import type { Fingerprint } from '../../stages/stage.ts';
import type { CacheEntry, CacheStore } from '../cache/store.ts';
import type { ObjectStore } from '../cache/remote/object-store.ts';
import { pullEntry } from '../cache/remote/pull.ts';
import { pushEntry } from '../cache/remote/push.ts';
import { describeSystemError } from './system-errors.ts';
import { pullCheckpoint, pushCheckpoint } from '../cache/remote/checkpoints.ts';
import { formatMB } from './format.ts';

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
  /** Fills an empty local checkpoint folder from the remote: a line to show when it did, or a damaged one. */
  pullCheckpoint(resumeKey: string, dir: string): Promise<string | undefined>;
  /** Uploads the folder's checkpoint when it changed: a line to show when it did. */
  pushCheckpoint(resumeKey: string, dir: string, signal?: AbortSignal): Promise<string | undefined>;
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
    async pullCheckpoint(resumeKey, dir) {
      if (!reachable) return undefined;
      try {
        const pulled = await pullCheckpoint(remote, resumeKey, dir, signal);
        if (pulled.status === 'pulled') return `took the checkpoint from ${remote.url} (${formatMB(pulled.bytes)})`;
        if (pulled.status === 'damaged') return `the remote checkpoint is unusable (${pulled.reason}); not used`;
        return undefined;
      } catch (error) {
        failed('could not pull a checkpoint', error);
        return undefined;
      }
    },
    async pushCheckpoint(resumeKey, dir, pushSignal) {
      if (!reachable) return undefined;
      try {
        const pushed = await pushCheckpoint(remote, resumeKey, dir, pushSignal);
        return pushed.status === 'pushed'
          ? `checkpoint pushed to ${remote.url} (${formatMB(pushed.bytes)})`
          : undefined;
      } catch (error) {
        failed('could not push a checkpoint', error);
        return undefined;
      }
    },
  };
}
