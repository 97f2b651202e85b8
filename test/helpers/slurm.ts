// A Slurm cluster for the tests: the one SLURM_CONF names (CI starts one with scripts/slurm-cluster.sh and exports
// it), else, as root with Slurm installed, a fresh one-node cluster started by that script for this test file and
// stopped after it. Where neither is possible the tests that need it skip, printing why (never pass silently).
import { after, before, type TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './context.ts';

export interface SlurmCluster {
  /** What a child `tfpipe` (and sbatch, squeue) needs: SLURM_CONF. */
  env: Record<string, string>;
  /** Runs a Slurm command (squeue, scancel …) against the cluster; resolves to its stdout. */
  command(name: string, args: string[]): Promise<string>;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`)) : resolve(stdout),
    ),
  );
}

function cluster(conf: string): SlurmCluster {
  const env = { SLURM_CONF: conf };
  return { env, command: (name, args) => run(name, args, { ...process.env, ...env }) };
}

/** True when sinfo answers with an idle or working node under `conf`. */
async function answers(conf: string): Promise<boolean> {
  const states = await run('sinfo', ['-h', '-o', '%T'], { ...process.env, SLURM_CONF: conf }).catch(() => '');
  return /idle|mix|alloc/.test(states);
}

export function useSlurm(): (t: TestContext) => SlurmCluster | undefined {
  let found: SlurmCluster | undefined;
  let startedIn: string | undefined;
  let unavailable = '';
  before(async () => {
    const conf = process.env.SLURM_CONF;
    if (conf && (await answers(conf))) return void (found = cluster(conf));
    if (process.getuid?.() !== 0) {
      unavailable = `no Slurm cluster (SLURM_CONF ${conf ? 'does not answer' : 'unset'}) and not root to start one with scripts/slurm-cluster.sh`;
      return;
    }
    startedIn = await mkdtemp(join(tmpdir(), 'tfpipe-slurm-'));
    try {
      await run('bash', [join(REPO_ROOT, 'scripts/slurm-cluster.sh'), 'start', startedIn], process.env);
      found = cluster(join(startedIn, 'slurm.conf'));
    } catch (error) {
      unavailable = `no Slurm cluster: scripts/slurm-cluster.sh could not start one (${(error as Error).message})`;
    }
  });
  after(async () => {
    if (!startedIn) return;
    await run('bash', [join(REPO_ROOT, 'scripts/slurm-cluster.sh'), 'stop', startedIn], process.env).catch(() => {});
    await rm(startedIn, { recursive: true, force: true });
  });
  return (t) => {
    if (!found) {
      console.log(`# ${unavailable}`);
      t.skip(unavailable);
    }
    return found;
  };
}
