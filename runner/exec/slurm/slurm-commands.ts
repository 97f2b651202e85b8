// The Slurm commands tfpipe uses, each one call of its CLI: sbatch to submit, squeue to follow, scontrol for a
// finished job's exit code, scancel to cancel. Nothing here keeps state; slurm-executor.ts does.
// Accounting (sacct) is not assumed: many small clusters run without it, and squeue -t all still lists a finished
// job for MinJobAge (300 s by default) after it ends.
import { execFile } from 'node:child_process';

type Env = Readonly<Record<string, string | undefined>>;

/** A Slurm command could not run (not installed, no controller): says which and why, for the user. */
export class SlurmError extends Error {}

async function slurm(command: string, args: string[], env: Env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: env as NodeJS.ProcessEnv, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        return reject(new SlurmError(`\`${command}\` is not installed here (Slurm's client commands are needed)`));
      const said = stderr.trim().split('\n').slice(-3).join(' ') || error.message;
      reject(new SlurmError(`\`${command} ${args.join(' ')}\` failed: ${said}`));
    });
  });
}

/** Resolves when Slurm's commands are here and a controller answers; a SlurmError saying which is missing otherwise. */
export async function checkSlurm(env: Env): Promise<void> {
  await slurm('sinfo', ['-h', '-o', '%P'], env);
}

/** Submits `script` (a file, whose content sbatch copies at once) with `options`; resolves to the job id. */
export async function sbatch(options: string[], script: string, env: Env): Promise<string> {
  const out = await slurm('sbatch', ['--parsable', ...options, script], env);
  const id = out.trim().split(';')[0]; // --parsable prints "id" or "id;cluster"
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch answered ${JSON.stringify(out.trim())}, not a job id`);
  return id;
}

export interface JobState {
  /** PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL … */
  state: string;
  node?: string;
}

/** States after which a job does nothing more. */
const FINAL = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'SPECIAL_EXIT',
]);

export function isFinal(state: string): boolean {
  return FINAL.has(state);
}

/**
 * The states of `ids` (a job absent from the answer has left the controller's memory). One squeue call for all;
 * squeue refuses the whole list when one id is unknown, so then each is asked alone.
 */
export async function jobStates(ids: string[], env: Env): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>();
  const ask = async (list: string[]) => {
    const out = await slurm('squeue', ['-h', '-t', 'all', '-o', '%i|%T|%N', '-j', list.join(',')], env);
    for (const line of out.split('\n')) {
      const [id, state, node] = line.trim().split('|');
      if (id && state) states.set(id, { state, ...(node ? { node } : {}) });
    }
  };
  if (ids.length === 0) return states;
  try {
    await ask(ids);
  } catch (error) {
    if (!(error instanceof SlurmError) || ids.length === 1) {
      if (/Invalid job id/i.test(String((error as Error).message))) return states;
      throw error;
    }
    for (const id of ids) await ask([id]).catch(() => undefined);
  }
  return states;
}

/** "1:0" (exit code : signal) of a finished job, while the controller still has it. */
export async function exitCode(id: string, env: Env): Promise<string | undefined> {
  const out = await slurm('scontrol', ['show', 'job', '-o', id], env).catch(() => '');
  return /\bExitCode=(\d+:\d+)/.exec(out)?.[1];
}

export async function scancel(ids: string[], env: Env): Promise<void> {
  if (ids.length > 0) await slurm('scancel', ids, env);
}
