// Parity of the forward pass with Hugging Face's GPT2LMHeadModel on the tiny reference checkpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, gpt2Loss, type Gpt2Model } from '../../../models/gpt2/model.ts';
import { targetLogProbs } from '../../../models/gpt2/loss.ts';
import { forwardCases, maxAbsDiff, TINY_GPT2, tinyConfig, topK } from './fixtures.ts';
import { heldTensors } from '../../helpers/held.ts';

const { vocab_size: V, n_positions } = tinyConfig();

describe('GPT-2 forward against transformers', () => {
  let model: Gpt2Model;
  before(async () => {
    await selectBackend('cpu');
    model = await loadGpt2(TINY_GPT2);
  });
  after(() => disposeGpt2Model(model));

  for (const [index, ref] of forwardCases().entries()) {
    it(`prompt ${index}: logits, top-${ref.last_logits_top5.length}, per-position sums, log-probs and loss within 1e-4`, async () => {
      const before = tf.memory().numTensors;
      const T = ref.ids.length;
      const keep = heldTensors();
      try {
        const { logits, loss } = keep(forwardGpt2(model, [ref.ids], { labels: [ref.ids] }));
        assert.deepEqual(logits.shape, [1, T, V]);
        const all = (await logits.data()) as Float32Array;
        const last = all.subarray((T - 1) * V, T * V);
        assert.ok(maxAbsDiff(last.subarray(0, ref.last_logits_first64.length), ref.last_logits_first64) < 1e-4);
        assert.deepEqual(topK(last, ref.last_logits_top5.length), ref.last_logits_top5);
        const sums = Array.from({ length: T }, (_, t) => all.subarray(t * V, (t + 1) * V).reduce((s, v) => s + v, 0));
        assert.ok(maxAbsDiff(sums, ref.logit_sum_per_pos) < 1e-4);
        const predicting = keep(tf.tidy(() => tf.slice(tf.reshape(logits, [T, V]), [0, 0], [T - 1, V]) as tf.Tensor2D));
        const logProbs = await targetLogProbs(predicting, ref.ids.slice(1));
        assert.ok(maxAbsDiff(logProbs, ref.next_token_logprob) < 1e-4);
        assert.ok(Math.abs((await loss!.data())[0] - ref.loss) < 1e-4);
        const fused = keep(gpt2Loss(model, [ref.ids]));
        assert.ok(Math.abs((await fused.data())[0] - ref.loss) < 1e-4, 'the fused head+loss gives the same loss');
      } finally {
        keep.dispose();
      }
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('leaves no tensor behind after a forward', () => {
    const before = tf.memory().numTensors;
    const ids = forwardCases()[0].ids;
    const { logits, loss } = forwardGpt2(model, [ids], { labels: [ids] });
    tf.dispose([logits, loss!]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('batches rows independently: a batch of two equals each row alone', async () => {
    // The two longest prompts, cut to the shorter one's length.
    const [a, b] = forwardCases()
      .map((c) => c.ids)
      .sort((x, y) => y.length - x.length);
    const T = b.length;
    const keep = heldTensors();
    try {
      const both = keep(forwardGpt2(model, [a.slice(0, T), b]).logits);
      const alone = keep(forwardGpt2(model, [b]).logits);
      const second = keep(tf.slice(both, [1, 0, 0], [1, T, V]));
      assert.ok(maxAbsDiff(await second.data(), await alone.data()) < 1e-5);
    } finally {
      keep.dispose();
    }
  });

  it('ignores label -100 positions in the loss, and padded keys through attentionMask', async () => {
    // The longest prompt: its second half masked out of the labels, then replaced by masked padding.
    const ids = forwardCases()
      .map((c) => c.ids)
      .reduce((x, y) => (y.length > x.length ? y : x));
    const kept = Math.ceil(ids.length / 2);
    const masked = ids.map((id, t) => (t >= kept ? -100 : id));
    const keep = heldTensors();
    try {
      const short = keep(gpt2Loss(model, [ids.slice(0, kept)]));
      const ignored = keep(gpt2Loss(model, [ids], { labels: [masked] }));
      assert.ok(
        Math.abs((await short.data())[0] - (await ignored.data())[0]) < 1e-5,
        'labels -100 drop out of the mean',
      );
      // Right padding: the real tokens' logits do not change when padding is appended and masked.
      const pad = ids.length - kept;
      const padded = keep(
        forwardGpt2(model, [[...ids.slice(0, kept), ...Array(pad).fill(0)]], {
          attentionMask: [[...Array(kept).fill(1), ...Array(pad).fill(0)]],
        }).logits,
      );
      const plain = keep(forwardGpt2(model, [ids.slice(0, kept)]).logits);
      const head = keep(tf.slice(padded, [0, 0, 0], [1, kept, V]));
      assert.ok(maxAbsDiff(await head.data(), await plain.data()) < 1e-5);
    } finally {
      keep.dispose();
    }
  });

  it('rejects sequences longer than n_positions and ids outside the vocabulary', () => {
    assert.throws(
      () => forwardGpt2(model, [new Array(n_positions + 1).fill(1)]),
      new RegExp(`exceeds n_positions ${n_positions}`),
    );
    assert.throws(() => forwardGpt2(model, [[1, V]]), /outside the vocabulary/);
  });
});
