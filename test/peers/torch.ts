// PyTorch as a peer in the tests: Debian's python3-torch under /usr/bin/python3. Where it is missing a test does
// not fail: it is skipped with the reason, printed once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let checked: string | null | undefined;

/** Why torch cannot run here, or null when it can. */
export function torchMissing(): string | null {
  if (checked !== undefined) return checked;
  if (!existsSync(PYTHON)) checked = `${PYTHON} is not installed (Debian: apt install python3-torch)`;
  else {
    const run = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    checked =
      run.status === 0
        ? null
        : `${PYTHON} cannot import torch (Debian: apt install python3-torch libopenblas0-pthread): ${(run.stderr ?? '').trim().split('\n').pop()}`;
  }
  return checked;
}

/** Runs a Python script with `input` on stdin; its stdout, or an error with its stderr. */
export function runPython(args: string[], input = ''): string {
  const run = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}`);
  return run.stdout;
}
