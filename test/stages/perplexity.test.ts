// Perplexity (stages/lm/perplexity.ts and the evaluate stage's language-model mode): a case checkable by hand
// (zero embeddings → uniform predictions → perplexity = vocabulary size), the token weighting over padded rows of
// different lengths, and the Hugging Face loss of the reference checkpoint (perplexity = exp(HF loss)).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2 } from '../../models/gpt2/model.ts';
import { measurePerplexity } from '../../stages/lm/perplexity.ts';
import { GPT2_EOS_ID, GPT2_VOCAB_SIZE } from '../../stages/text/bpe.ts';
import { evaluateStage } from '../../stages/evaluate.ts';
import { makeTestContext } from '../helpers/context.ts';
import { heldTensors } from '../helpers/held.ts';
import { forwardCases, TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { packedTokens, paddedTokens, TINY_INIT, TINY_VOCAB, writeSingleTokens } from './lm-fixtures.ts';
import type { Tokens } from '../../stages/artifacts/tokens.ts';
import { stageParams } from '../helpers/params.ts';

await tf.setBackend('cpu');

describe('measurePerplexity', () => {
  it('is the vocabulary size for a model that predicts uniformly, counting only the shifted unpadded labels', async () => {
    const before = tf.memory().numTensors;
    const model = createGpt2(TINY_INIT.init, 3);
    const lengths = [5, 3, 8];
    let result: Awaited<ReturnType<typeof measurePerplexity>>;
    try {
      const wte = model.params['transformer.wte.weight'];
      tf.tidy(() => wte.assign(tf.zerosLike(wte))); // tied head: every logit 0
      result = await measurePerplexity(model, paddedTokens(lengths, Math.max(...lengths)), { batchSize: 2 });
    } finally {
      disposeGpt2Model(model);
    }
    assert.equal(
      result.tokens,
      lengths.reduce((n, length) => n + length - 1, 0),
      'each row predicts length − 1 next tokens',
    );
    assert.ok(Math.abs(result.loss - Math.log(TINY_VOCAB)) < 1e-5, `loss ${result.loss} vs ln ${TINY_VOCAB}`);
    assert.ok(Math.abs(result.perplexity - TINY_VOCAB) < 1e-3, `perplexity ${result.perplexity}`);
    assert.equal(tf.memory().numTensors, before);
  });

  it('weights each row by its counted tokens: equal to the rows measured one by one, unpadded', async () => {
    const before = tf.memory().numTensors;
    const model = createGpt2(TINY_INIT.init, 5);
    const lengths = [6, 2, 9, 4];
    const width = Math.max(...lengths);
    const tokens = paddedTokens(lengths, width);
    const keep = heldTensors();
    let batched: Awaited<ReturnType<typeof measurePerplexity>>;
    let nll = 0;
    let count = 0;
    try {
      batched = await measurePerplexity(model, tokens, { batchSize: 3 });
      for (const [r, length] of lengths.entries()) {
        const ids = Array.from(tokens.ids.subarray(r * width, r * width + length));
        const { loss } = keep(forwardGpt2(model, [ids], { labels: [ids] }));
        nll += (await loss!.data())[0] * (length - 1);
        count += length - 1;
      }
    } finally {
      keep.dispose();
      disposeGpt2Model(model);
    }
    assert.equal(batched.tokens, count);
    assert.ok(Math.abs(batched.loss - nll / count) < 1e-5, `${batched.loss} vs ${nll / count}`);
    assert.ok(Math.abs(batched.perplexity - Math.exp(nll / count)) / Math.exp(nll / count) < 1e-5);
    assert.equal(tf.memory().numTensors, before);
  });

  it('does not depend on the batch size for packed blocks', async () => {
    const model = createGpt2(TINY_INIT.init, 6);
    const [rows, width] = [5, 12];
    const tokens = packedTokens(rows, width);
    let one: Awaited<ReturnType<typeof measurePerplexity>>;
    let all: typeof one;
    try {
      one = await measurePerplexity(model, tokens, { batchSize: 1 });
      all = await measurePerplexity(model, tokens, { batchSize: rows });
    } finally {
      disposeGpt2Model(model);
    }
    assert.equal(one.tokens, rows * (width - 1));
    assert.ok(Math.abs(one.loss - all.loss) < 1e-5);
  });
});

describe('evaluate stage, perplexity mode', () => {
  it('gives exp(HF loss) for each reference prompt of the tiny checkpoint (base: a local folder)', async () => {
    const before = tf.memory().numTensors;
    for (const ref of forwardCases()) {
      const width = ref.ids.length;
      const tokens: Tokens = {
        mode: 'bpe',
        layout: 'pad',
        rows: 1,
        width,
        ids: Int32Array.from(ref.ids),
        lengths: Int32Array.of(width),
        labelKind: 'position',
        labels: Int32Array.from(ref.ids),
        labelNames: [],
        vocabSize: GPT2_VOCAB_SIZE,
        padId: GPT2_EOS_ID,
      };
      const ctx = await makeTestContext({ stageId: 'perplexity' });
      const result = await evaluateStage.run(ctx, stageParams('evaluate', { base: TINY_GPT2, batch_size: 256 }), {
        data: await writeSingleTokens(tokens, 'test'),
      });
      const m = result.metrics!;
      assert.ok(Math.abs((m.test_loss as number) - ref.loss) < 1e-4, `loss ${m.test_loss} vs HF ${ref.loss}`);
      assert.ok(
        Math.abs((m.test_perplexity as number) / Math.exp(ref.loss) - 1) < 1e-4,
        `perplexity ${m.test_perplexity} vs exp(HF loss) ${Math.exp(ref.loss)}`,
      );
      assert.equal(m.test_tokens, width - 1);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('hashes a local base folder into the fingerprint and says what to give when neither base nor model is set', async () => {
    const files = await evaluateStage.files!(stageParams('evaluate', { base: TINY_GPT2 }), {
      env: {},
      baseDir: '/',
      cacheRoot: '/',
    });
    assert.deepEqual(
      files.map((f) => f.path.split('/').pop()),
      ['config.json', 'model.safetensors'],
    );
    assert.deepEqual(
      await evaluateStage.files!(stageParams('evaluate', { base: TINY_INIT }), {
        env: {},
        baseDir: '/',
        cacheRoot: '/',
      }),
      [],
    );
    const ctx = await makeTestContext({ stageId: 'ppl' });
    await assert.rejects(
      evaluateStage.run(ctx, stageParams('evaluate', {}), { data: await writeSingleTokens(packedTokens(1, 4)) }),
      /stage ppl: no `model` input.*`base`/,
    );
  });
});
