// `tfpipe runs` keys, filters and sort as functions of records: a key is a metric (stage.metric) or a param (a
// config path as --set reads it); filters compare parsed values; sort puts runs without the key last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../runner/runs/record.ts';
import { matches, parseFilter, sortRuns } from '../../runner/runs/run-query.ts';
import { differingParams, paramKey, resolveKey, valueOf } from '../../runner/runs/run-values.ts';
import { makeRecord } from './fixtures.ts';

/** A run of a train → evaluate pipeline with this lr (and optimizer), and its test_acc when it got that far. */
function run(id: string, lr: number, testAcc?: number, optimizer = 'adam'): RunRecord {
  const stage = (sid: string, metrics: Record<string, unknown>) => ({
    id: sid,
    kind: sid,
    fingerprint: `${sid}-${lr}`,
    action: 'ran' as const,
    seconds: 1,
    metrics,
    summary: [],
  });
  return makeRecord(id, {
    config: {
      name: `lab ${id}`,
      seed: 0,
      stages: { train: { kind: 'train', lr, optimizer, epochs: 2, layers: [8] }, evaluate: { kind: 'evaluate' } },
    },
    stages: [
      stage('train', { epochs: 2, train_loss: 0.5 }),
      ...(testAcc === undefined ? [] : [stage('evaluate', { test_acc: testAcc })]),
    ],
  });
}

const RUNS = [
  run('20261128-071500-aaaa', 0.05, 0.81),
  run('20261128-071501-bbbb', 0.003, 0.86, 'sgd'),
  run('20261128-071502-cccc', 0.05),
  run('20261128-071503-dddd', 0.01, 0.84),
];

test('keys: stage.metric when a run records it, else a config path; stages.X.Y is always the param', () => {
  assert.deepEqual(resolveKey(RUNS, 'evaluate.test_acc'), {
    type: 'metric',
    text: 'evaluate.test_acc',
    stage: 'evaluate',
    metric: 'test_acc',
  });
  assert.deepEqual(resolveKey(RUNS, 'train.lr'), { type: 'param', text: 'train.lr', path: ['stages', 'train', 'lr'] });
  assert.equal(resolveKey(RUNS, 'train.epochs')?.type, 'metric', 'train reports an epochs metric');
  assert.equal(resolveKey(RUNS, 'stages.train.epochs')?.type, 'param');
  assert.deepEqual(resolveKey(RUNS, 'seed'), { type: 'param', text: 'seed', path: ['seed'] });
  assert.equal(resolveKey(RUNS, 'train.momentum'), undefined);
  assert.equal(valueOf(RUNS[2], resolveKey(RUNS, 'evaluate.test_acc')!), undefined, 'the third run has no evaluate');
});

test('the params that differ among runs, in config order; the name is left out', () => {
  assert.deepEqual(differingParams(RUNS).map(paramKey), [
    { type: 'param', text: 'train.lr', path: ['stages', 'train', 'lr'] },
    { type: 'param', text: 'train.optimizer', path: ['stages', 'train', 'optimizer'] },
  ]);
  assert.deepEqual(differingParams([RUNS[0], RUNS[2]]), []);
});

test('filters: = and != on parsed values, < <= > >= on numbers; a run without the key matches only !=', () => {
  const filter = (text: string) => {
    const parsed = parseFilter(text);
    assert.ok(parsed.ok, text);
    return parsed.filter;
  };
  assert.deepEqual(filter('train.lr=0.05'), { text: 'train.lr=0.05', key: 'train.lr', op: '=', value: 0.05 });
  assert.deepEqual(filter(' evaluate.test_acc >= 0.8 ').op, '>=');
  assert.equal(filter('train.lr==5e-2').value, 0.05);
  const kept = (text: string) => {
    const f = filter(text);
    const key = resolveKey(RUNS, f.key)!;
    return RUNS.filter((r) => matches(valueOf(r, key), f)).map((r) => r.id.slice(-4));
  };
  assert.deepEqual(kept('train.lr=0.05'), ['aaaa', 'cccc']);
  assert.deepEqual(kept('train.lr!=0.05'), ['bbbb', 'dddd']);
  assert.deepEqual(kept('train.optimizer=sgd'), ['bbbb']);
  assert.deepEqual(kept('evaluate.test_acc>0.82'), ['bbbb', 'dddd']);
  assert.deepEqual(kept('evaluate.test_acc<=0.84'), ['aaaa', 'dddd']);
  assert.deepEqual(kept('evaluate.test_acc!=0.81'), ['bbbb', 'cccc', 'dddd'], 'cccc has no test_acc: not 0.81');
  assert.deepEqual(kept('evaluate.test_acc>0'), ['aaaa', 'bbbb', 'dddd'], 'cccc has no test_acc to compare');
});

test('a malformed filter says what is expected, naming --filter', () => {
  const error = (text: string) => {
    const parsed = parseFilter(text);
    return parsed.ok ? 'ok' : parsed.error;
  };
  assert.match(error('evaluate.test_acc'), /^--filter `evaluate.test_acc`: expected KEY=VALUE/);
  assert.match(error('=0.8'), /^--filter `=0.8`: expected KEY=VALUE/);
  assert.match(error('train.lr='), /^--filter `train.lr=`: expected KEY=VALUE/);
  assert.equal(
    error('evaluate.test_acc>high'),
    '--filter `evaluate.test_acc>high`: > compares numbers, and `high` is not one',
  );
});

test('sort ascending or descending; runs without the key come last either way; ties keep their order', () => {
  const acc = resolveKey(RUNS, 'evaluate.test_acc')!;
  const ids = (records: RunRecord[]) => records.map((r) => r.id.slice(-4));
  assert.deepEqual(ids(sortRuns(RUNS, acc)), ['aaaa', 'dddd', 'bbbb', 'cccc']);
  assert.deepEqual(ids(sortRuns(RUNS, acc, { descending: true })), ['bbbb', 'dddd', 'aaaa', 'cccc']);
  assert.deepEqual(ids(sortRuns(RUNS, resolveKey(RUNS, 'train.lr')!)), ['bbbb', 'dddd', 'aaaa', 'cccc']);
  assert.deepEqual(ids(sortRuns(RUNS, resolveKey(RUNS, 'train.optimizer')!)), ['aaaa', 'cccc', 'dddd', 'bbbb']);
});
