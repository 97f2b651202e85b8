// Starts fixtures/cache-writer.ts as a child process and reads its stdout line by line, for the tests where two
// processes share one cache (concurrency.test.ts: one host; shared-locks.test.ts: two host ids on one machine).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LockTiming } from '../../lib/fs/lock.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const WRITER = join(import.meta.dirname, 'fixtures', 'cache-writer.ts');

export type WriterMode = 'wait-for-go' | 'now' | 'hang' | 'sigint';

export interface WriterOptions {
  /** TFPIPE_HOST_ID of the child: the host it claims to be. Unset: this machine's. */
  hostId?: string;
  lockTiming?: Partial<LockTiming>;
}

export interface Writer {
  child: ChildProcess;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Lines printed and not yet taken by nextLine(). */
  pending(): readonly string[];
  exited: Promise<unknown>;
}

export function startWriter(
  root: string,
  params: Record<string, unknown>,
  mode: WriterMode,
  options: WriterOptions = {},
): Writer {
  const env = { ...process.env };
  if (options.hostId === undefined) delete env.TFPIPE_HOST_ID;
  else env.TFPIPE_HOST_ID = options.hostId;
  const argv = JSON.stringify({ root, params, mode, lockTiming: options.lockTiming });
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, argv], {
    cwd: REPO_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) =>
    waiting.length > 0 ? waiting.shift()!(line) : queue.push(line),
  );
  const nextLine = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<string>((resolve) => waiting.push(resolve));
  return { child, nextLine, pending: () => queue, exited };
}
