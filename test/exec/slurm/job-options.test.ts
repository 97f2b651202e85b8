// A stage's sbatch options: the executor block's settings, then its kind's, then its own; sbatch lists add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobResources, sbatchOptions } from '../../../runner/exec/slurm/job-options.ts';
import type { ExecutorSettings } from '../../../runner/spec/types.ts';

const SETTINGS: ExecutorSettings = {
  name: 'slurm',
  partition: 'cpu',
  cpus: 2,
  time: '30',
  sbatch: ['--qos=normal'],
  kinds: { finetune: { partition: 'gpu', gres: 'gpu:1', mem: '32G' }, lora: { gres: 'gpu:1' } },
  stages: { finetune: { time: '02:00:00', sbatch: ['--constraint=a100'] } },
};

test('a stage with no entry of its own takes the block settings', () => {
  assert.deepEqual(sbatchOptions(jobResources(SETTINGS, 'tokenize', 'tokenize')), [
    '--partition=cpu',
    '--cpus-per-task=2',
    '--time=30',
    '--qos=normal',
  ]);
});

test("a stage's kind settings, then its own, override the block's; extra sbatch options add up", () => {
  assert.deepEqual(sbatchOptions(jobResources(SETTINGS, 'finetune', 'finetune')), [
    '--partition=gpu',
    '--gres=gpu:1',
    '--cpus-per-task=2',
    '--mem=32G',
    '--time=02:00:00',
    '--qos=normal',
    '--constraint=a100',
  ]);
  assert.deepEqual(jobResources(SETTINGS, 'lora_big', 'lora'), {
    partition: 'cpu',
    cpus: 2,
    time: '30',
    sbatch: ['--qos=normal'],
    gres: 'gpu:1',
  });
});

test('no executor block: no options, the scheduler decides', () => {
  assert.deepEqual(sbatchOptions(jobResources(undefined, 'train', 'train')), []);
  assert.deepEqual(sbatchOptions({ account: 'lab', sbatch: [] }), ['--account=lab']);
});
