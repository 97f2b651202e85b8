// The fine-tuning step log: each row's tokens/s is its batches' tokens over their own training seconds (what the
// loop reports per batch), not the wall time between rows — on a GPU the rows of one read arrive together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StepLog } from '../../stages/lm/step-log.ts';

test('a step row gives the mean loss and tokens per training second of the batches since the last row', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-steplog-'));
  try {
    const log = new StepLog(dir);
    log.start(null);
    // four batches of 512 tokens read at once: 0.25 s each
    log.addBatch(2, 512, 0.25);
    assert.equal(log.afterStep(1, 0.25, 1e-3, 2), null, 'not a logging step');
    log.addBatch(4, 512, 0.25);
    const first = log.afterStep(2, 0.5, 1e-3, 2);
    log.addBatch(1, 256, 0.25);
    log.addBatch(1, 256, 0.25);
    const second = log.afterStep(4, 1, 5e-4, 2);
    assert.deepEqual(first, { step: 2, epoch: 0.5, loss: 3, lr: 1e-3, tokens_per_s: 2048 });
    assert.deepEqual(second, { step: 4, epoch: 1, loss: 1, lr: 5e-4, tokens_per_s: 1024 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
