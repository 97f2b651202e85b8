// Plain-line progress for CI logs and pipes: one line per stage event, and progress at most every few seconds.
import type { RunEvent, RunListener } from './events.ts';
import { cachedLabel, formatJob, formatProgress, formatSeconds } from './format.ts';

const PROGRESS_EVERY_MS = 5000;

export function createPlainRenderer(write: (line: string) => void, now: () => number = Date.now): RunListener {
  const lastProgress = new Map<string, number>();
  return (event: RunEvent) => {
    switch (event.type) {
      case 'plan': {
        const cached = event.stages.filter((s) => s.action === 'cached').length;
        write(`plan: ${event.stages.length} stages, ${cached} cached, ${event.stages.length - cached} to run`);
        return;
      }
      case 'backend':
        return write(`backend: ${event.name} (${event.device})`);
      case 'stage-start':
        return write(`▶ ${event.id} (${event.kind}) started`);
      case 'stage-cached':
        return write(`↺ ${event.id} (${event.kind}) ${cachedLabel(event)}`);
      case 'stage-job':
        return write(`  ${event.id}: ${formatJob(event)}`);
      case 'stage-corrupt':
        return write(`! ${event.id}: cache entry unusable (${event.reason}); recomputing`);
      case 'stage-progress': {
        const t = now();
        const done = event.progress.total > 0 && event.progress.done >= event.progress.total;
        if (!done && t - (lastProgress.get(event.id) ?? 0) < PROGRESS_EVERY_MS) return;
        lastProgress.set(event.id, t);
        return write(`  ${event.id}: ${formatProgress(event.progress)}`);
      }
      case 'stage-status':
        return write(`  ${event.id}: ${event.text}`);
      case 'stage-log':
        return write(`  ${event.id}: ${event.level === 'warn' ? 'warning: ' : ''}${event.message}`);
      case 'stage-done':
        return write(`✔ ${event.id} done in ${formatSeconds(event.seconds)}`);
      case 'stage-failed':
        return write(`✖ ${event.id} failed after ${formatSeconds(event.seconds)}: ${event.error.message}`);
      case 'stage-interrupted':
        return write(`■ ${event.id} interrupted after ${formatSeconds(event.seconds)}; nothing of it was kept`);
      default: {
        const never: never = event;
        return never;
      }
    }
  };
}
