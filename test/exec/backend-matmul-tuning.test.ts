// Starting webgpu for a run (exec/backend.ts init): the matmul tuner reports itself through the status callback
// the live view shows and keeps its record in the run's cache root; a malformed TFPIPE_MATMUL_CONFIG stops the run
// with a usage error naming the variable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendChoice } from '../../runner/exec/backend.ts';
import { UsageError } from '../../runner/commands/io.ts';
import { tuningRecordPath } from '../../models/backend/webgpu/matmul/tuning-record.ts';
import { availableBackends } from '../helpers/backends.ts';

const skip = (await availableBackends()).includes('webgpu') ? false : 'no WebGPU adapter here';
const env = { ...process.env, TFPIPE_MATMUL_CONFIG: undefined };

test('a malformed TFPIPE_MATMUL_CONFIG is a usage error naming it', { skip }, async () => {
  const cacheRoot = await mkdtemp(join(tmpdir(), 'tfpipe-mm-init-'));
  try {
    const choice = await backendChoice('webgpu', { cacheRoot, env: { ...env, TFPIPE_MATMUL_CONFIG: '8x8' } });
    await assert.rejects(choice.init(), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /^TFPIPE_MATMUL_CONFIG: '8x8' is not a matmul config; expected /);
      return true;
    });
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
});

test(
  'init tunes the matmul, says so on the status line, and records the winners in the cache root',
  { skip },
  async () => {
    const cacheRoot = await mkdtemp(join(tmpdir(), 'tfpipe-mm-init-'));
    try {
      const statuses: string[] = [];
      const choice = await backendChoice('webgpu', { cacheRoot, env });
      const started = await choice.init((text) => statuses.push(text));
      assert.deepEqual(statuses, [`tuning matmul for ${started.device} …`]);
      const record = JSON.parse(await readFile(tuningRecordPath(cacheRoot), 'utf8')) as { adapter: string };
      assert.equal(record.adapter, started.device);
    } finally {
      await rm(cacheRoot, { recursive: true, force: true });
    }
  },
);
