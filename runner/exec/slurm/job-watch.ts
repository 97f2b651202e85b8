// One poll of the Slurm controller for all of a run's active jobs (one squeue call per interval, however many
// stages are waiting), shared by the stages' followers: each awaits the next poll and reads its job's state.
import { jobStates, type JobState } from './slurm-commands.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface JobWatch {
  add(id: string): void;
  remove(id: string): void;
  /** Resolves after the next poll: the state of each watched job still known to the controller. */
  next(): Promise<ReadonlyMap<string, JobState>>;
}

export function createJobWatch(env: Env, intervalMs: number): JobWatch {
  const ids = new Set<string>();
  let latest: Promise<ReadonlyMap<string, JobState>> | undefined;
  let lastPoll = 0;
  const poll = async (): Promise<ReadonlyMap<string, JobState>> => {
    const wait = lastPoll + intervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastPoll = Date.now();
    return jobStates([...ids], env);
  };
  return {
    add: (id) => void ids.add(id),
    remove: (id) => void ids.delete(id),
    next() {
      // followers that ask while a poll is under way share it
      latest ??= poll().finally(() => (latest = undefined));
      return latest;
    },
  };
}
