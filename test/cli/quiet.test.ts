// Dawn's and TensorFlow.js's own console messages never reach the user's terminal unless --debug is given: the
// WebGPU probe (backend auto) runs Dawn in a child process whose stderr is kept, and TensorFlow.js runs with PROD set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, runCli } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';

test('status and run with backend auto print nothing on stderr: no Dawn warning, no TensorFlow.js banner', async () => {
  const dir = await makeProject({ 'p.yaml': lab1Pipeline(), 'reviews.csv': reviewsCsv(200) });
  const status = await runCli(dir, ['status', 'p.yaml']); // the first command on this cache probes WebGPU
  assert.equal(status.code, 0, status.stderr);
  assert.equal(status.stderr, '');
  assert.match(status.stdout, /^train +will run: never run$/m);
  const run = await runCli(dir, ['run', 'p.yaml', '--cache-dir', 'other-cache']); // another cache: probes again
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.doesNotMatch(run.stdout, /Hi, looks like|artificially reduced/);
});
