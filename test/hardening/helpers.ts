// What every hostile probe checks of the real CLI's answer: its exit code, a message that names the file or path
// (and where in it), and no stack trace. Probes that need a read-only or a full file system run the CLI inside a
// user and mount namespace (`unshare -rm`), where a tmpfs or a read-only bind mount can be made without touching
// the machine; where the kernel refuses namespaces they are skipped, saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, runCli, type CliResult } from '../cli/helpers.ts';

/** A stack frame as Node prints it: `    at fn (file:line:col)` or `    at file:line:col`. */
export const STACK_FRAME = /^[ \t]+at .+:\d+:\d+\)?$/m;

export interface Expected {
  code: number;
  /** Each must match stderr + stdout: the path, the location, the reason. */
  messages: RegExp[];
}

/** Asserts the probe's exit code, its messages, and that nothing printed a stack trace. */
export function assertAnswer(result: CliResult, expected: Expected): void {
  const text = result.stdout + result.stderr;
  assert.equal(result.code, expected.code, `exit ${result.code}, wanted ${expected.code}:\n${text}`);
  for (const message of expected.messages) assert.match(text, message);
  assert.doesNotMatch(text, STACK_FRAME, 'no stack trace');
  assert.doesNotMatch(text, /internal error/);
}

/** Runs the CLI and asserts its answer (see assertAnswer); returns the result for further checks. */
export async function probe(
  cwd: string,
  args: string[],
  expected: Expected,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const result = await runCli(cwd, args, env);
  assertAnswer(result, expected);
  return result;
}

/** Why namespaces cannot be used here, or null when `unshare -rm` can mount a tmpfs. */
export const NO_NAMESPACES: string | null = (() => {
  const tried = spawnSync(
    'unshare',
    [
      '-rm',
      'sh',
      '-c',
      'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s',
    ],
    { encoding: 'utf8' },
  );
  if (tried.error) return `unshare is not available (${tried.error.message})`;
  return tried.status === 0 ? null : `unshare -rm cannot mount here (${tried.stderr.trim() || `exit ${tried.status}`})`;
})();

/** Single-quoted for sh. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI in `cwd` inside a fresh mount namespace after `mounts` (sh commands, e.g. a read-only bind mount),
 * which vanish with it. The CLI's stdout and stderr come back as from runCli.
 */
export async function runCliMounted(cwd: string, mounts: string[], args: string[]): Promise<CliResult> {
  const script = `${mounts.join(' && ')} && exec ${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')}`;
  return runCli(cwd, [], {}, ['unshare', '-rm', 'sh', '-c', script]);
}
