// Run labels: the --name, a sweep run's values by their shortest distinct key, else the pipeline's name; distinct
// labels for runs shown together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, runLabel, runLabels, sweepLabel } from '../../runner/runs/labels.ts';
import { runNameProblem, type SweepPosition } from '../../runner/runs/record.ts';
import { makeRecord } from './fixtures.ts';

const sweep = (assignments: Record<string, unknown>): SweepPosition => ({ id: 's', index: 1, total: 2, assignments });

test('a sweep run is labelled by its values, each by its last key unless two swept paths share it', () => {
  assert.equal(sweepLabel({ 'stages.train.lr': 0.003 }), 'lr=0.003');
  assert.equal(
    sweepLabel({ 'stages.train.lr': 0.001, 'stages.train.bidirectional': true, seed: 1 }),
    'lr=0.001 bidirectional=true seed=1',
  );
  assert.equal(
    sweepLabel({ 'stages.train.lr': 0.1, 'stages.finetune.lr': 0.2, 'stages.train.layers': [64, 32] }),
    'train.lr=0.1 finetune.lr=0.2 layers=[64,32]',
  );
  assert.equal(sweepLabel({ 'stages.train.optimizer': 'adam' }), 'optimizer=adam');
});

test('runLabel: the name, the swept values (after the name), else the pipeline name', () => {
  const plain = makeRecord('20261128-071502-aaaa');
  assert.equal(runLabel(plain), 'lab');
  assert.equal(runLabel({ ...plain, name: 'baseline' }), 'baseline');
  assert.equal(runLabel({ ...plain, sweep: sweep({ 'stages.train.lr': 0.003 }) }), 'lr=0.003');
  assert.equal(runLabel({ ...plain, name: 'wide', sweep: sweep({ 'stages.train.lr': 0.003 }) }), 'wide lr=0.003');
  assert.equal(describeRun(plain), 'run 20261128-071502-aaaa (lab)');
  assert.equal(describeRun({ ...plain, name: 'baseline' }), 'baseline (run 20261128-071502-aaaa, lab)');
});

test('runLabels keeps labels distinct: a repeated one gets the time and random part of its id', () => {
  const records = [
    makeRecord('20261128-071502-aaaa'),
    makeRecord('20261128-071503-bbbb'),
    makeRecord('20261128-071504-cccc', { name: 'baseline' }),
  ];
  assert.deepEqual(runLabels(records), ['lab 071502-aaaa', 'lab 071503-bbbb', 'baseline']);
});

test('a name that reads as a position or an id, or has odd characters, is refused', () => {
  assert.equal(runNameProblem('baseline-2'), undefined);
  assert.equal(runNameProblem('lr=0.003'), undefined);
  assert.match(runNameProblem('LAST~1')!, /by position/);
  assert.match(runNameProblem('last')!, /by position/);
  assert.match(runNameProblem('20261128')!, /run id/);
  assert.match(runNameProblem('20261128-07a')!, /run id/);
  assert.match(runNameProblem('two words')!, /letters, digits/);
  assert.match(runNameProblem('')!, /letters, digits/);
});
