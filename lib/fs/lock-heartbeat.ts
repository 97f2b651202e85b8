// Keeps a held lock fresh: every `intervalMs` the holder rewrites its record's heartbeatAt (lock-record.ts), so a
// waiter on another host, which cannot ask whether our pid lives, sees the lock change and keeps waiting; once the
// record stops changing for the waiter's stale threshold, the holder is presumed gone (lock.ts).
// Beats are chained timeouts (one at a time, even when a slow disk makes one beat outlast the interval), each
// unref'd so a held lock never keeps the process alive. A beat that finds the lock no longer ours stops the
// heartbeat; a failed beat (EIO on a flaky mount) is retried at the next interval.
// The beat runs on the event loop: a holder whose loop is blocked for longer than a waiter's stale threshold looks
// dead and may be taken over. That costs duplicate work, never a wrong entry (entries appear by rename, see store).
import { refreshLockFile, type LockOwner } from './lock-record.ts';

export interface Heartbeat {
  /** Stops beating; resolves once a beat in flight has finished (so nothing touches the file afterwards). */
  stop(): Promise<void>;
  /** False once a beat found the lock gone or someone else's. */
  readonly held: boolean;
}

export function startHeartbeat(path: string, owner: LockOwner, intervalMs: number): Heartbeat {
  let stopped = false;
  let held = true;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      inFlight = beat();
    }, intervalMs);
    timer.unref();
  };
  const beat = async () => {
    try {
      if (!(await refreshLockFile(path, owner))) {
        held = false;
        stopped = true;
      }
    } catch {
      // a failed beat: try again at the next interval
    }
    if (!stopped) schedule();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
    get held() {
      return held;
    },
  };
}
