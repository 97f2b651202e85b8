// Live progress on a terminal: one listr2 task per planned stage (cached, running with a progress bar in its title,
// done with its duration, or failed), with the stage's lasting lines under it (resume, epochs, warnings). The only listr2 import in tfpipe. The executor runs the stages; each task here only
// waits for its stage's outcome, in the same order the executor visits them, or all at once when the executor runs
// stages in parallel (Slurm), each title then carrying its job's id and state.
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunEvent, RunListener } from './events.ts';
import { cachedLabel, formatJob, formatProgress, formatSeconds } from './format.ts';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {}); // observed by the listr task; avoid unhandled rejections for stages never shown
  return { promise, resolve, reject };
}

type AnyTask = ListrTaskWrapper<unknown, any, any>;

export interface ListrRenderer {
  listener: RunListener;
  /** Resolves when the display has finished drawing. */
  finish(): Promise<void>;
}

export function createListrRenderer(): ListrRenderer {
  const outcomes = new Map<string, Deferred>();
  const tasks = new Map<string, AnyTask>();
  /** Lines said before the stage's task started, given to it when it does. */
  const early = new Map<string, string[]>();
  let running: Promise<unknown> = Promise.resolve();

  // A stage's title carries what changes (its job's state, its progress bar); the lines under it are what lasts
  // (the resume line, one line per epoch, warnings), kept on screen after the stage ends.
  const stages = new Map<string, { base: string; job?: string; live?: string; end?: string }>();
  const titleOf = (id: string) => {
    const s = stages.get(id)!;
    return [s.base, s.job, s.end ?? s.live].filter(Boolean).join(' · ');
  };
  const retitle = (id: string, change: { job?: string; live?: string; end?: string }) => {
    const s = stages.get(id);
    if (!s) return;
    Object.assign(s, change);
    const task = tasks.get(id);
    if (task) task.title = titleOf(id);
  };
  const say = (id: string, line: string) => {
    const task = tasks.get(id);
    if (task) task.output = line;
    else early.set(id, [...(early.get(id) ?? []), line]);
  };

  const listener: RunListener = (event: RunEvent) => {
    switch (event.type) {
      case 'plan': {
        for (const s of event.stages) {
          outcomes.set(s.id, deferred());
          const waiting = event.parallel && s.action === 'run' ? 'waiting for its inputs' : undefined;
          stages.set(s.id, { base: `${s.id} (${s.kind})`, live: waiting });
        }
        const list = new Listr(
          event.stages.map((s) => ({
            title: titleOf(s.id),
            task: async (_ctx: unknown, task: AnyTask) => {
              tasks.set(s.id, task);
              task.title = titleOf(s.id);
              for (const line of early.get(s.id) ?? []) task.output = line;
              await outcomes.get(s.id)!.promise;
            },
            rendererOptions: { outputBar: Infinity, persistentOutput: true },
          })),
          {
            concurrent: event.parallel === true,
            exitOnError: true,
            registerSignalListeners: false,
            rendererOptions: { collapseErrors: false },
          },
        );
        running = list.run().catch(() => {});
        return;
      }
      case 'backend':
        return;
      case 'stage-start':
        return retitle(event.id, { live: 'running' });
      case 'stage-cached':
        retitle(event.id, { end: cachedLabel(event) });
        outcomes.get(event.id)?.resolve();
        return;
      case 'stage-job':
        return retitle(event.id, { job: formatJob(event) });
      case 'stage-corrupt':
        return say(event.id, `cache entry unusable (${event.reason}); recomputing`);
      case 'stage-progress':
        return retitle(event.id, { live: formatProgress(event.progress) });
      case 'stage-status':
        return say(event.id, event.text);
      case 'stage-log':
        return say(event.id, event.level === 'warn' ? `warning: ${event.message}` : event.message);
      case 'stage-done':
        retitle(event.id, { end: formatSeconds(event.seconds) });
        outcomes.get(event.id)?.resolve();
        return;
      case 'stage-failed':
        retitle(event.id, { end: undefined, live: undefined });
        outcomes.get(event.id)?.reject(new Error(`${event.id}: ${event.error.message}`));
        return;
      case 'stage-interrupted':
        retitle(event.id, { end: undefined, live: undefined });
        outcomes.get(event.id)?.reject(new Error(`${event.id}: interrupted after ${formatSeconds(event.seconds)}`));
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  };
  return {
    listener,
    finish: async () => {
      for (const d of outcomes.values()) d.reject(new Error('not run'));
      await running;
    },
  };
}
