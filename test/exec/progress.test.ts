// The ETA a training shows covers the whole stage: worked out from the stage's fraction done (epoch and batch) and
// the time this process took for it, counted down during validation bars, and from where a resumed training resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressReporter } from '../../runner/exec/progress.ts';
import type { ProgressSnapshot, RunEvent } from '../../runner/exec/events.ts';

function reporter() {
  let t = 0;
  const seen: ProgressSnapshot[] = [];
  const emit = (e: RunEvent) => void (e.type === 'stage-progress' && seen.push(e.progress));
  const progress = createProgressReporter('train', emit, () => t);
  return { progress, at: (ms: number) => void (t = ms), last: () => seen.at(-1)! };
}

test('the ETA of a training is the whole stage’s, and counts down through validation', () => {
  const { progress, at, last } = reporter();
  at(0);
  progress.start(10, 'batches', 'epoch 1/4', { done: 0, total: 4 });
  at(1000);
  progress.update(5); // 1/8 of the stage in 1 s: 7 s left
  assert.equal(last().stageEtaSeconds, 7);
  assert.equal(last().etaSeconds, 1); // the bar's own, no longer shown
  at(2000);
  progress.update(10); // 1/4 in 2 s: 6 s left
  assert.equal(last().stageEtaSeconds, 6);
  at(2500);
  progress.start(40, 'rows', 'epoch 1/4 valid'); // no place in the stage: the last ETA counts down
  assert.equal(last().stageEtaSeconds, 5.5);
  at(3000);
  progress.update(20);
  assert.equal(last().stageEtaSeconds, 5);
});

test('a resumed training counts from where it resumed, not from zero', () => {
  const { progress, at, last } = reporter();
  at(0);
  progress.start(10, 'batches', 'epoch 3/4', { done: 2, total: 4 }); // half the stage was done by another process
  at(2000);
  progress.update(10); // 1/4 of the stage in 2 s: 1/4 left, 2 s
  assert.equal(last().stageEtaSeconds, 2);
});

test('bars of stages that give no place have only their own ETA', () => {
  const { progress, at, last } = reporter();
  at(0);
  progress.start(100, 'rows', 'tokenizing');
  at(1000);
  progress.update(25);
  assert.equal(last().stageEtaSeconds, undefined);
  assert.equal(last().etaSeconds, 3);
});
