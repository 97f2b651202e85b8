import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignmentsOf, parseSweeps, sweepCombinations } from '../../runner/runs/sweep.ts';
import { setPath } from '../../runner/spec/set.ts';

test('sweep paths are under stages. and the product varies the first axis slowest', () => {
  const parsed = parseSweeps(['train.lr=1e-3,3e-3', 'train.bidirectional=true,false']);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.axes, [
    { path: 'stages.train.lr', values: ['1e-3', '3e-3'] },
    { path: 'stages.train.bidirectional', values: ['true', 'false'] },
  ]);
  assert.deepEqual(sweepCombinations(parsed.axes), [
    ['stages.train.lr=1e-3', 'stages.train.bidirectional=true'],
    ['stages.train.lr=1e-3', 'stages.train.bidirectional=false'],
    ['stages.train.lr=3e-3', 'stages.train.bidirectional=true'],
    ['stages.train.lr=3e-3', 'stages.train.bidirectional=false'],
  ]);
  assert.deepEqual(assignmentsOf(['stages.train.lr=1e-3', 'stages.train.bidirectional=true']), {
    'stages.train.lr': 0.001,
    'stages.train.bidirectional': true,
  });
});

test('paths that start with a top-level key (stages., vars., seed) are kept, as --set keeps them; flow lists are one value', () => {
  const parsed = parseSweeps(['stages.vocab.min_freq=1, 2', 'vars.width=64', 'model.layers=[64,32],[128]', 'seed=0,1']);
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.axes.map((a) => [a.path, a.values]),
    [
      ['stages.vocab.min_freq', ['1', '2']],
      ['vars.width', ['64']],
      ['stages.model.layers', ['[64,32]', '[128]']],
      ['seed', ['0', '1']],
    ],
  );
  assert.deepEqual(
    parsed.axes.map((a) => setPath(a.path)),
    parsed.axes.map((a) => a.path),
  );
  assert.deepEqual(assignmentsOf(['stages.model.layers=[64,32]']), { 'stages.model.layers': [64, 32] });
});

test('malformed sweeps say what is expected', () => {
  const error = (args: string[]) => {
    const parsed = parseSweeps(args);
    return parsed.ok ? 'ok' : parsed.error;
  };
  assert.match(error(['train.lr']), /expected PATH=V1,V2/);
  assert.match(error(['train.lr=1,,2']), /empty value/);
  assert.match(error(['train.lr=1', 'stages.train.lr=2']), /names `stages.train.lr` twice/);
  assert.deepEqual(sweepCombinations([]), []);
});
