// A job's events as JSON lines in a file on the shared folder: the job appends (writer), the coordinator reads what
// is new every poll (follower) and passes progress, status lines and logs on to the live view. The last line is
// the job's result. A line is appended whole (one write), and a reader keeps any unfinished tail for the next read.
import { appendFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { RunEvent, RunListener } from '../events.ts';
import type { StageResult } from '../run-stage.ts';

/** The job's own account of its work, written last. */
export interface JobResult {
  type: 'job-result';
  action: StageResult['action'];
  seconds: number;
  error?: string;
  /** ISO times on the job's node, and that node's name. */
  started: string;
  finished: string;
  host: string;
}

/** A RunEvent as it travels: an Error becomes its message. */
export type JobEvent =
  | Exclude<RunEvent, { type: 'stage-failed' }>
  | { type: 'stage-failed'; id: string; seconds: number; error: string }
  | JobResult;

/** Appends each event to `path`; an event that cannot be written is dropped (the stage's work matters more). */
export function jobEventWriter(path: string | undefined): { listener: RunListener; result(r: JobResult): void } {
  const write = (event: JobEvent) => {
    if (path === undefined) return;
    try {
      appendFileSync(path, JSON.stringify(event) + '\n');
    } catch {
      // the folder is not shared with this node, or full: the coordinator then follows the job's state only
    }
  };
  return {
    listener: (event) => write(event.type === 'stage-failed' ? { ...event, error: event.error.message } : event),
    result: write,
  };
}

/** Reads the events appended to `path` since the last call; none while the file does not exist. */
export function jobEventFollower(path: string): { read(): Promise<JobEvent[]> } {
  let offset = 0;
  let partial = Buffer.alloc(0); // bytes after the last newline: a line (or a character) still being written
  return {
    async read() {
      const file = await open(path, 'r').catch(() => undefined);
      if (!file) return [];
      try {
        const chunks: Buffer[] = [];
        for (;;) {
          const buffer = Buffer.alloc(1 << 16);
          const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          chunks.push(buffer.subarray(0, bytesRead));
        }
        const bytes = Buffer.concat([partial, ...chunks]);
        const end = bytes.lastIndexOf(0x0a) + 1;
        partial = bytes.subarray(end);
        const lines = bytes.subarray(0, end).toString('utf8').split('\n');
        return lines.filter((l) => l.trim() !== '').flatMap((l) => parseLine(l));
      } finally {
        await file.close();
      }
    },
  };
}

function parseLine(line: string): JobEvent[] {
  try {
    return [JSON.parse(line) as JobEvent];
  } catch {
    return []; // not ours, or cut by a full disk: progress only, never a result the coordinator relies on alone
  }
}
