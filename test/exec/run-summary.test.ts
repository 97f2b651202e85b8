// The end-of-run summary: compact by default (what ran with its key metrics and outputs, result lines not already
// shown, the cached stages in one line), everything with --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRunSummary, keyMetrics } from '../../runner/exec/run-summary.ts';
import type { RunOutcome } from '../../runner/exec/executor.ts';

const OUTCOME: RunOutcome = {
  status: 'ok',
  backend: { name: 'cpu', device: 'plain JS' },
  stages: [
    {
      id: 'load',
      kind: 'load',
      fingerprint: 'a'.repeat(64),
      action: 'cached',
      seconds: 0,
      metrics: { rows: 400 },
      summary: ['400 rows'],
    },
    {
      id: 'train',
      kind: 'train',
      fingerprint: 'b'.repeat(64),
      action: 'ran',
      seconds: 3.2,
      metrics: {
        train_samples_per_s: 900,
        valid_rows: 40,
        train_loss: 0.41,
        valid_acc: 0.8,
        valid_loss: 0.45,
        epochs: 2,
      },
      summary: ['Epoch 1: train loss 0.5', 'Epoch 2: train loss 0.41', 'kept the weights of epoch 2'],
    },
    {
      id: 'evaluate',
      kind: 'evaluate',
      fingerprint: 'c'.repeat(64),
      action: 'cached',
      seconds: 0,
      metrics: { test_acc: 0.87 },
      summary: [],
      waited: true,
    },
  ],
};

test('key metrics: test, then perplexity, then validation, then training; no timings, no counts', () => {
  assert.deepEqual(keyMetrics(OUTCOME.stages[1].metrics), [
    ['valid_acc', 0.8],
    ['valid_loss', 0.45],
    ['train_loss', 0.41],
  ]);
  assert.deepEqual(
    keyMetrics({ test_rows: 9, test_acc: 0.9, valid_perplexity: 30, test_loss: 0.3, best_valid_loss: 0.2, x: 1 }).map(
      ([k]) => k,
    ),
    ['test_acc', 'test_loss', 'valid_perplexity', 'best_valid_loss'],
  );
});

test('compact: what ran, its key metrics, its outputs, the lines not shown yet; the cached stages in one line', () => {
  const shown = new Map([['train', new Set(['Epoch 1: train loss 0.5', 'Epoch 2: train loss 0.41'])]]);
  const text = formatRunSummary(OUTCOME, { verbose: false, shown, cacheRoot: '/p/.tfpipe/cache', cwd: '/p' });
  assert.equal(
    text,
    [
      '',
      'backend: cpu (plain JS)',
      'train (train): ran in 3.2s',
      '    valid_acc 0.8 · valid_loss 0.45 · train_loss 0.41',
      '    kept the weights of epoch 2',
      `    outputs: .tfpipe/cache/${'b'.repeat(64)}/out`,
      'evaluate (evaluate): cached (after waiting)',
      '    test_acc 0.87',
      'cached: load (--verbose shows their metrics)',
      'done: 1 ran, 2 cached',
      '',
    ].join('\n'),
  );
});

test('verbose: every stage with all its scalar metrics and result lines', () => {
  const text = formatRunSummary(OUTCOME, { verbose: true, shown: new Map(), cacheRoot: '/c', cwd: '/p' });
  assert.match(text, /^load \(load\): cached\n {4}rows 400\n {4}400 rows$/m);
  assert.match(text, /train_samples_per_s 900 · valid_rows 40 · train_loss 0\.41/);
  assert.match(text, /^ {4}Epoch 1: train loss 0\.5$/m);
  assert.doesNotMatch(text, /outputs:|--verbose/);
});
