// Live progress on a terminal: one listr2 task per planned stage (cached, running with a progress bar, done with
// its duration, or failed). The only listr2 import in tfpipe. The executor runs the stages; each task here only
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
  const pendingOutput = new Map<string, string>();
  let running: Promise<unknown> = Promise.resolve();

  const titles = new Map<string, string>();
  const kinds = new Map<string, string>();
  const setTitle = (id: string, text: string) => {
    titles.set(id, text);
    const task = tasks.get(id);
    if (task) task.title = text;
  };
  const show = (id: string, text: string) => {
    const task = tasks.get(id);
    if (task) task.output = text;
    else pendingOutput.set(id, text);
  };

  const listener: RunListener = (event: RunEvent) => {
    switch (event.type) {
      case 'plan': {
        for (const s of event.stages) {
          outcomes.set(s.id, deferred());
          kinds.set(s.id, s.kind);
          if (event.parallel && s.action === 'run') pendingOutput.set(s.id, 'waiting for its inputs');
        }
        const list = new Listr(
          event.stages.map((s) => ({
            title: `${s.id} (${s.kind})`,
            task: async (_ctx: unknown, task: AnyTask) => {
              tasks.set(s.id, task);
              const earlyTitle = titles.get(s.id);
              if (earlyTitle) task.title = earlyTitle;
              const early = pendingOutput.get(s.id);
              if (early) task.output = early;
              await outcomes.get(s.id)!.promise;
            },
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
        return show(event.id, 'running');
      case 'stage-cached':
        setTitle(event.id, `${event.id} (${event.kind}) · ${cachedLabel(event)}`);
        outcomes.get(event.id)?.resolve();
        return;
      case 'stage-job':
        setTitle(event.id, `${event.id} (${kinds.get(event.id)}) · ${formatJob(event)}`);
        return;
      case 'stage-corrupt':
        return show(event.id, `cache entry unusable (${event.reason}); recomputing`);
      case 'stage-progress':
        return show(event.id, formatProgress(event.progress));
      case 'stage-status':
        return show(event.id, event.text);
      case 'stage-log':
        return show(event.id, event.level === 'warn' ? `warning: ${event.message}` : event.message);
      case 'stage-done':
        setTitle(event.id, `${event.id} (${kinds.get(event.id)}) · ${formatSeconds(event.seconds)}`);
        outcomes.get(event.id)?.resolve();
        return;
      case 'stage-failed':
        outcomes.get(event.id)?.reject(new Error(`${event.id}: ${event.error.message}`));
        return;
      case 'stage-interrupted':
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
