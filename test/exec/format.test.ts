import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, formatSeconds } from '../../runner/exec/format.ts';

test('progress shows bar, percent, counts, rate, ETA and the extra text', () => {
  const line = formatProgress({ done: 40, total: 100, unit: 'batches', rate: 8, etaSeconds: 7.5, extra: 'loss 0.41' });
  assert.equal(line, '[########------------]  40% 40/100 batches · 8.00 batches/s · ETA 7.5s · loss 0.41');
});

test('byte progress is shown in MB', () => {
  const line = formatProgress({
    done: 14_680_064,
    total: 25_360_169,
    unit: 'bytes',
    rate: 17_069_842,
    etaSeconds: 0.6,
    label: 'read imdb',
  });
  assert.equal(line, 'read imdb [############--------]  57% 14.7/25.4 MB · 17.1 MB/s · ETA 600ms');
});

test('durations read as a person would write them', () => {
  assert.deepEqual([0.25, 12.34, 75, 3725].map(formatSeconds), ['250ms', '12.3s', '1m15s', '1h02m']);
});
