// Asks whether there is a WebGPU adapter without loading Dawn into this process: the probe runs in a child Node.js
// (probe-child.ts) whose stderr takes Dawn's native warnings, which C++ writes straight to file descriptor 2, past
// anything JavaScript could catch. `tfpipe status` and `run` thus print nothing of Dawn's unless asked (--debug).
// Where the child cannot start (a bundle without the TypeScript loader), the probe runs here as before.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterProbe } from './probe.ts';

type Env = Readonly<Record<string, string | undefined>>;

const CHILD_TIMEOUT_MS = 60_000;

export async function probeIsolated(env: Env): Promise<AdapterProbe> {
  const child = childCommand();
  if (!child) return inProcess();
  const answer = await new Promise<{ stdout: string; stderr: string } | undefined>((resolve) =>
    execFile(
      process.execPath,
      child,
      { env: env as NodeJS.ProcessEnv, timeout: CHILD_TIMEOUT_MS, maxBuffer: 4 << 20 },
      (error, stdout, stderr) => resolve(error ? undefined : { stdout, stderr }),
    ),
  );
  if (answer && env.TFPIPE_DEBUG && answer.stderr) process.stderr.write(answer.stderr);
  const line = answer?.stdout.trim().split('\n').at(-1);
  try {
    const probe = JSON.parse(line ?? '') as AdapterProbe;
    if (typeof probe.found === 'boolean') return probe;
  } catch {
    // the child failed or said something else: ask here
  }
  return inProcess();
}

async function inProcess(): Promise<AdapterProbe> {
  return (await import('./probe.ts')).probeWebGpuAdapter();
}

/** node's arguments for the child: the TypeScript loader this install has, and the child script. */
function childCommand(): string[] | undefined {
  try {
    const loader = import.meta.resolve('tsx/esm');
    return ['--import', loader, fileURLToPath(new URL('./probe-child.ts', import.meta.url))];
  } catch {
    return undefined;
  }
}
