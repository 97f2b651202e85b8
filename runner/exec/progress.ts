// The ProgressReporter a stage gets: turns start/update calls into throttled 'stage-progress' events with a rate
// and an ETA, and 'stage-status' lines. Where the stage says where a bar sits in it (epoch 3 of 5), the ETA is the
// stage's: the time this process has spent per unit of the stage so far, times what is left (a resumed training
// counts from where it resumed); bars between (validation) count that ETA down.
import type { ProgressReporter } from '../../stages/stage.ts';
import type { RunListener } from './events.ts';

const MIN_INTERVAL_MS = 100;

export function createProgressReporter(id: string, emit: RunListener, now: () => number = Date.now): ProgressReporter {
  let total = 0;
  let unit = '';
  let label: string | undefined;
  let startedAt = now();
  let lastEmit = 0;
  let within: { done: number; total: number } | undefined;
  // the whole stage: when and at which fraction this process first saw it, and the last ETA worked out
  let stageStart: { at: number; fraction: number } | undefined;
  let stageEta: { seconds: number; at: number } | undefined;

  const stageEtaAt = (t: number, done: number): number | undefined => {
    if (within && within.total > 0) {
      const fraction = Math.min(1, (within.done + (total > 0 ? done / total : 0)) / within.total);
      stageStart ??= { at: t, fraction };
      const elapsed = (t - stageStart.at) / 1000;
      const progressed = fraction - stageStart.fraction;
      if (progressed > 0 && elapsed > 0) stageEta = { seconds: (elapsed * (1 - fraction)) / progressed, at: t };
    }
    return stageEta && Math.max(0, stageEta.seconds - (t - stageEta.at) / 1000);
  };

  return {
    start(newTotal, newUnit = '', newLabel, newWithin) {
      total = newTotal;
      unit = newUnit;
      label = newLabel;
      within = newWithin;
      startedAt = now();
      lastEmit = 0;
      const stageEtaSeconds = stageEtaAt(startedAt, 0);
      emit({
        type: 'stage-progress',
        id,
        progress: {
          done: 0,
          total,
          unit,
          label,
          rate: 0,
          etaSeconds: null,
          ...(stageEtaSeconds !== undefined ? { stageEtaSeconds } : {}),
        },
      });
    },
    update(done, extra) {
      const t = now();
      if (t - lastEmit < MIN_INTERVAL_MS && done < total) return;
      lastEmit = t;
      const seconds = (t - startedAt) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const etaSeconds = rate > 0 && total > 0 ? Math.max(0, (total - done) / rate) : null;
      const stageEtaSeconds = stageEtaAt(t, done);
      emit({
        type: 'stage-progress',
        id,
        progress: {
          done,
          total,
          unit,
          label,
          rate,
          etaSeconds,
          extra,
          ...(stageEtaSeconds !== undefined ? { stageEtaSeconds } : {}),
        },
      });
    },
    status(text) {
      emit({ type: 'stage-status', id, text });
    },
  };
}
