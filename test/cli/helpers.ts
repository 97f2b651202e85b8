// Runs the real `tfpipe` CLI in a child process, in a temp project folder with its own cache.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fullDataEnv, REPO_ROOT } from '../helpers/context.ts';

export const CLI = join(REPO_ROOT, 'bin/tfpipe.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function makeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** This process's environment without TFPIPE_DATA: the child gets it from fullDataEnv, resolved, or not at all. */
function inherited(): NodeJS.ProcessEnv {
  const { TFPIPE_DATA: _, ...rest } = process.env;
  return rest;
}

/** `command` runs the CLI (default: node bin/tfpipe.js); another launcher (e.g. `unshare … sh -c`) may wrap it. */
export function startCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  command: string[] = [process.execPath, CLI],
): { child: ChildProcess; done: Promise<CliResult>; stdout: () => string } {
  const child = spawn(command[0], [...command.slice(1), ...args], {
    cwd,
    env: { ...inherited(), ...fullDataEnv(), CI: '1', TFPIPE_CACHE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout };
}

export function runCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  command?: string[],
): Promise<CliResult> {
  return startCli(cwd, args, env, command).done;
}

/** Resolves once the child's stdout contains `text`. */
export async function waitForOutput(
  run: { stdout: () => string; done: Promise<CliResult> },
  text: string,
): Promise<void> {
  let finished = false;
  void run.done.then(() => (finished = true));
  while (!run.stdout().includes(text)) {
    if (finished) throw new Error(`process ended before printing ${JSON.stringify(text)}:\n${run.stdout()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stage ids the run printed as started (ran) and as cached, in order. */
export function stagesByAction(stdout: string): { ran: string[]; cached: string[] } {
  const ran = [...stdout.matchAll(/^▶ (\S+) \(/gm)].map((m) => m[1]);
  const cached = [...stdout.matchAll(/^↺ (\S+) \(/gm)].map((m) => m[1]);
  return { ran, cached };
}
