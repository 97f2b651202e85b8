// A training stage's checkpoints and the remote cache: before the stage, an empty checkpoint folder is filled from
// the remote (a training stopped on another machine resumes here); while it runs, each new checkpoint is pushed, at
// most once a minute; when it stops unfinished (interrupted, failed), the last one is pushed before the run ends.
// A finished stage needs none: its entry is the result.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../models/train/checkpoint-files.ts';
import type { RemoteSync } from './remote-sync.ts';

export type CheckpointRemote = Pick<RemoteSync, 'pullCheckpoint' | 'pushCheckpoint'>;

const PUSH_EVERY_MS = 60_000;

export interface CheckpointFollow {
  /** Stops pushing; with `unfinished`, pushes the latest checkpoint once more (awaited). */
  stop(unfinished: boolean): Promise<void>;
}

export async function followCheckpoints(
  remote: CheckpointRemote,
  resumeKey: string,
  dir: string,
  say: (text: string) => void,
): Promise<CheckpointFollow> {
  const hasLocal = await access(join(dir, MANIFEST_FILE)).then(
    () => true,
    () => false,
  );
  if (!hasLocal) {
    const pulled = await remote.pullCheckpoint(resumeKey, dir);
    if (pulled) say(pulled);
  }
  let pushing: Promise<void> = Promise.resolve();
  const push = () =>
    (pushing = pushing.then(async () => {
      const pushed = await remote.pushCheckpoint(resumeKey, dir);
      if (pushed) say(pushed);
    }));
  const timer = setInterval(() => void push(), PUSH_EVERY_MS);
  timer.unref();
  return {
    async stop(unfinished) {
      clearInterval(timer);
      if (unfinished) await push();
      await pushing;
    },
  };
}
