// diff's metric order: changed first; evaluation (evaluate/compare stages, held-out names), training, other, data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricComparison } from '../../runner/runs/metric-order.ts';
import { metricGroup, orderMetrics } from '../../runner/runs/metric-order.ts';

test('metrics are grouped by what they measure', () => {
  assert.equal(metricGroup('evaluate', 'test_acc'), 'evaluation');
  assert.equal(metricGroup('compare', 'lora_valid_perplexity'), 'evaluation');
  assert.equal(metricGroup('train', 'valid_loss'), 'evaluation');
  assert.equal(metricGroup('finetune', 'valid_perplexity'), 'evaluation');
  assert.equal(metricGroup('train', 'train_loss'), 'training');
  assert.equal(metricGroup('train', 'best_epoch'), 'training');
  assert.equal(metricGroup('evaluate', 'rows'), 'data');
  assert.equal(metricGroup('split', 'test_rows'), 'data');
  assert.equal(metricGroup('vocab', 'vocab_size'), 'data');
  assert.equal(metricGroup('tokenize', 'valid_unk_rate'), 'data');
  assert.equal(metricGroup('load', 'label_positive'), 'data');
  assert.equal(metricGroup('predict', 'positive'), 'other');
});

test('changed metrics first, evaluate before train, data last; equal ones after, in the same order', () => {
  const row = (stage: string, metric: string, a: number, b: number): MetricComparison => ({ stage, metric, a, b });
  const rows = [
    row('vocab', 'vocab_size', 100, 90),
    row('load', 'rows', 50, 50),
    row('train', 'train_loss', 0.5, 0.4),
    row('train', 'valid_loss', 0.6, 0.5),
    row('train', 'epochs', 3, 3),
    row('evaluate', 'test_acc', 0.8, 0.8),
    row('evaluate', 'test_loss', 0.45, 0.4),
    { stage: 'evaluate', metric: 'test_f1', b: 0.7 },
  ];
  const kinds: Record<string, string> = { vocab: 'vocab', load: 'load', train: 'train', evaluate: 'evaluate' };
  const ordered = orderMetrics(rows, (id) => kinds[id]);
  assert.deepEqual(
    ordered.map((m) => `${m.changed ? 'changed' : 'equal'} ${m.stage}.${m.metric}`),
    [
      'changed evaluate.test_loss',
      'changed evaluate.test_f1',
      'changed train.valid_loss',
      'changed train.train_loss',
      'changed vocab.vocab_size',
      'equal evaluate.test_acc',
      'equal train.epochs',
      'equal load.rows',
    ],
  );
  assert.deepEqual(ordered[0], { ...rows[6], group: 'evaluation', changed: true });
});
