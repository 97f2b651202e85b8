// A job's events file: the job appends whole lines; the coordinator reads only what is new, and keeps a line (or a
// character) still being written for its next read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobEventFollower, jobEventWriter } from '../../../runner/exec/slurm/job-events.ts';

test('the follower reads each event once, in order, and nothing before the file exists', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-events-'));
  const path = join(dir, 'train.events.jsonl');
  const follower = jobEventFollower(path);
  assert.deepEqual(await follower.read(), []);
  const writer = jobEventWriter(path);
  writer.listener({ type: 'stage-status', id: 'train', text: 'epoch 1' });
  writer.listener({ type: 'stage-failed', id: 'train', seconds: 2, error: new Error('out of memory') });
  assert.deepEqual(await follower.read(), [
    { type: 'stage-status', id: 'train', text: 'epoch 1' },
    { type: 'stage-failed', id: 'train', seconds: 2, error: 'out of memory' },
  ]);
  const result = {
    type: 'job-result' as const,
    action: 'failed' as const,
    seconds: 2,
    error: 'out of memory',
    started: '2026-12-04T10:00:00.000Z',
    finished: '2026-12-04T10:00:02.000Z',
    host: 'node7',
  };
  writer.result(result);
  assert.deepEqual(await follower.read(), [result]);
  assert.deepEqual(await follower.read(), []);
  await rm(dir, { recursive: true });
});

test('a line cut in the middle (even inside a character) waits for its end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-events-'));
  const path = join(dir, 'gen.events.jsonl');
  const follower = jobEventFollower(path);
  const line = Buffer.from(
    JSON.stringify({ type: 'stage-log', id: 'gen', level: 'info', message: 'Senjō no Valkyria' }) + '\n',
  );
  const cut = line.indexOf(Buffer.from('ō')) + 1; // between the two bytes of ō
  await appendFile(path, line.subarray(0, cut));
  assert.deepEqual(await follower.read(), []);
  await appendFile(path, line.subarray(cut));
  assert.deepEqual(await follower.read(), [
    { type: 'stage-log', id: 'gen', level: 'info', message: 'Senjō no Valkyria' },
  ]);
  await rm(dir, { recursive: true });
});

test('a writer whose folder is not there (no shared folder on the node) drops its events quietly', () => {
  const writer = jobEventWriter('/nonexistent-tfpipe-folder/x.events.jsonl');
  assert.doesNotThrow(() => writer.listener({ type: 'stage-status', id: 'x', text: 'hello' }));
});
