// The ProgressReporter a stage gets: turns start/update calls into throttled 'stage-progress' events with a rate
// and an ETA, and 'stage-status' lines.
import type { ProgressReporter } from '../../stages/stage.ts';
import type { RunListener } from './events.ts';

const MIN_INTERVAL_MS = 100;

export function createProgressReporter(id: string, emit: RunListener, now: () => number = Date.now): ProgressReporter {
  let total = 0;
  let unit = '';
  let label: string | undefined;
  let startedAt = now();
  let lastEmit = 0;
  return {
    start(newTotal, newUnit = '', newLabel) {
      total = newTotal;
      unit = newUnit;
      label = newLabel;
      startedAt = now();
      lastEmit = 0;
      emit({ type: 'stage-progress', id, progress: { done: 0, total, unit, label, rate: 0, etaSeconds: null } });
    },
    update(done, extra) {
      const t = now();
      if (t - lastEmit < MIN_INTERVAL_MS && done < total) return;
      lastEmit = t;
      const seconds = (t - startedAt) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const etaSeconds = rate > 0 && total > 0 ? Math.max(0, (total - done) / rate) : null;
      emit({ type: 'stage-progress', id, progress: { done, total, unit, label, rate, etaSeconds, extra } });
    },
    status(text) {
      emit({ type: 'stage-status', id, text });
    },
  };
}
