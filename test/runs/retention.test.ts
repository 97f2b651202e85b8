// Which runs `tfpipe gc` keeps: the newest N, those since a date (either rule keeps a run), and every live run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptRuns } from '../../runner/runs/retention.ts';
import { makeRecord } from './fixtures.ts';

const DEAD_PID = 2 ** 22 + 1; // above Linux's pid_max: no such process
const runs = [
  makeRecord('20261201-080000-aaaa'),
  makeRecord('20261202-080000-bbbb', { status: 'running' }), // this test's pid: still running
  makeRecord('20261203-080000-cccc', { status: 'running', pid: DEAD_PID }), // killed: reads interrupted
  makeRecord('20261204-080000-dddd'),
  makeRecord('20261205-080000-eeee'),
];
const ids = (kept: typeof runs) => kept.map((r) => r.id.slice(-4));

test('the newest N runs are kept, and a live run whatever its age', () => {
  assert.deepEqual(ids(keptRuns(runs, { keepRuns: 2 })), ['bbbb', 'dddd', 'eeee']);
  assert.deepEqual(ids(keptRuns(runs, { keepRuns: 0 })), ['bbbb']);
  assert.deepEqual(ids(keptRuns(runs, { keepRuns: 9 })), ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']);
});

test('--since keeps the runs started at or after the date; with --keep-runs, either rule keeps a run', () => {
  const since = new Date('2026-12-03T08:00:00Z');
  assert.deepEqual(ids(keptRuns(runs, { since })), ['bbbb', 'cccc', 'dddd', 'eeee']);
  assert.deepEqual(ids(keptRuns(runs, { since: new Date('2026-12-05T09:00:00Z'), keepRuns: 1 })), ['bbbb', 'eeee']);
});
