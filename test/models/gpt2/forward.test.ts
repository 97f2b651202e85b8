// Parity of the forward pass with Hugging Face's GPT2LMHeadModel on the tiny reference checkpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, gpt2Loss, type Gpt2Model } from '../../../models/gpt2/model.ts';
import { targetLogProbs } from '../../../models/gpt2/loss.ts';
import { forwardCases, maxAbsDiff, TINY_GPT2, topK } from './fixtures.ts';

describe('GPT-2 forward against transformers', () => {
  let model: Gpt2Model;
  before(async () => {
    await selectBackend('cpu');
    model = await loadGpt2(TINY_GPT2);
  });
  after(() => disposeGpt2Model(model));

  for (const [index, ref] of forwardCases().entries()) {
    it(`prompt ${index}: logits, top-5, per-position sums, log-probs and loss within 1e-4`, async () => {
      const before = tf.memory().numTensors;
      const T = ref.ids.length;
      const { logits, loss } = forwardGpt2(model, [ref.ids], { labels: [ref.ids] });
      assert.deepEqual(logits.shape, [1, T, 50257]);
      const all = (await logits.data()) as Float32Array;
      const last = all.subarray((T - 1) * 50257, T * 50257);
      assert.ok(maxAbsDiff(last.subarray(0, 64), ref.last_logits_first64) < 1e-4);
      assert.deepEqual(topK(last, 5), ref.last_logits_top5);
      const sums = Array.from({ length: T }, (_, t) => all.subarray(t * 50257, (t + 1) * 50257).reduce((s, v) => s + v, 0));
      assert.ok(maxAbsDiff(sums, ref.logit_sum_per_pos) < 1e-4);
      const predicting = tf.tidy(() => tf.slice(tf.reshape(logits, [T, 50257]), [0, 0], [T - 1, 50257]) as tf.Tensor2D);
      const logProbs = await targetLogProbs(predicting, ref.ids.slice(1));
      assert.ok(maxAbsDiff(logProbs, ref.next_token_logprob) < 1e-4);
      assert.ok(Math.abs((await loss!.data())[0] - ref.loss) < 1e-4);
      const fused = gpt2Loss(model, [ref.ids]);
      assert.ok(Math.abs((await fused.data())[0] - ref.loss) < 1e-4, 'the fused head+loss gives the same loss');
      tf.dispose([logits, loss!, predicting, fused]);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('leaves no tensor behind after a forward', () => {
    const before = tf.memory().numTensors;
    const { logits, loss } = forwardGpt2(model, [forwardCases()[1].ids], { labels: [forwardCases()[1].ids] });
    tf.dispose([logits, loss!]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('batches rows independently: a batch of two equals each row alone', async () => {
    const a = forwardCases()[0].ids.slice(0, 8);
    const b = forwardCases()[2].ids.slice(0, 8);
    const both = forwardGpt2(model, [a, b]).logits;
    const alone = forwardGpt2(model, [b]).logits;
    const second = tf.slice(both, [1, 0, 0], [1, 8, 50257]);
    assert.ok(maxAbsDiff(await second.data(), await alone.data()) < 1e-5);
    tf.dispose([both, alone, second]);
  });

  it('ignores label -100 positions in the loss, and padded keys through attentionMask', async () => {
    const ids = forwardCases()[0].ids.slice(0, 6);
    const masked = ids.map((id, t) => (t >= 3 ? -100 : id));
    const short = gpt2Loss(model, [ids.slice(0, 3)]);
    const ignored = gpt2Loss(model, [ids], { labels: [masked] });
    assert.ok(Math.abs((await short.data())[0] - (await ignored.data())[0]) < 1e-5, 'labels -100 drop out of the mean');
    // Right padding: the real tokens' logits do not change when padding is appended and masked.
    const padded = forwardGpt2(model, [[...ids.slice(0, 4), 0, 0]], { attentionMask: [[1, 1, 1, 1, 0, 0]] }).logits;
    const plain = forwardGpt2(model, [ids.slice(0, 4)]).logits;
    const head = tf.slice(padded, [0, 0, 0], [1, 4, 50257]);
    assert.ok(maxAbsDiff(await head.data(), await plain.data()) < 1e-5);
    tf.dispose([short, ignored, padded, plain, head]);
  });

  it('rejects sequences longer than n_positions and ids outside the vocabulary', () => {
    assert.throws(() => forwardGpt2(model, [new Array(65).fill(1)]), /exceeds n_positions 64/);
    assert.throws(() => forwardGpt2(model, [[1, 50257]]), /outside the vocabulary/);
  });
});
