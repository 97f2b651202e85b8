// The generate stage: greedy texts token-identical to generateGpt2 and to Hugging Face's greedy tokens for the
// reference checkpoint, fetched from a fake Hub on 127.0.0.1 (`base: <hub id>`); a LoRA artifact is applied on
// its base; sampling is reproducible from its seed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { generateStage, type GeneratedText } from '../../stages/generate.ts';
import { loraStage } from '../../stages/lora.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { generateGpt2 } from '../../models/gpt2/generate.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { encodeGpt2 } from '../../models/tokenizer/gpt2-bpe.ts';
import { loadLoraAdapter } from '../../models/lora/io.ts';
import { detachLora } from '../../models/lora/lora.ts';
import { makeTestContext } from '../helpers/context.ts';
import { forwardCases, greedyNewTokens, TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { startFakeHub, type FakeHub } from '../models/hub/fake-hub.ts';
import { hubEnv, makeHubCache, removeHubCaches, tinyRepo } from '../models/hub/fixtures.ts';
import { artifactRef, packedTokens, writeSplitTokens, writeTinyModelFolder } from './lm-fixtures.ts';
import { stageParams } from '../helpers/params.ts';

await tf.setBackend('cpu');

let hub: FakeHub;
before(async () => {
  hub = await startFakeHub({ repos: { 'someone/tiny-gpt2': await tinyRepo('tiny') } });
});
after(async () => {
  await hub.close();
  await removeHubCaches();
});

const texts = async (dir: string): Promise<GeneratedText[]> =>
  JSON.parse(await readFile(join(dir, 'texts.json'), 'utf8')).texts;

describe('generate stage', () => {
  it('downloads a Hub base and generates HF greedy tokens for each reference prompt', async () => {
    const before = tf.memory().numTensors;
    const cases = forwardCases();
    const newTokens = greedyNewTokens(cases[0]);
    assert.ok(
      cases.every((c) => greedyNewTokens(c) === newTokens),
      'the reference generated as many tokens for every prompt',
    );
    const ctx = await makeTestContext({ stageId: 'gen', env: hubEnv(hub, await makeHubCache()) });
    const result = await generateStage.run(
      ctx,
      stageParams('generate', {
        base: 'someone/tiny-gpt2',
        prompts: cases.map((c) => c.prompt),
        max_new_tokens: newTokens,
      }),
      {},
    );
    const out = await texts(ctx.outDir);
    for (const [i, ref] of cases.entries()) {
      assert.deepEqual(encodeGpt2(ref.prompt), ref.ids, 'the prompt tokenizes as HF does');
      assert.deepEqual([...ref.ids, ...out[i].new_ids], ref.greedy_20, `prompt ${i}: greedy tokens as HF generate`);
      assert.equal(out[i].new_tokens, newTokens);
    }
    assert.ok(
      result.summary!.some((l) => l.includes(JSON.stringify(out[0].text))),
      'the texts are in the summary',
    );
    assert.ok(ctx.lines.some((l) => l.includes('downloaded someone/tiny-gpt2')));
    assert.equal(tf.memory().numTensors, before);
  });

  it('matches generateGpt2 with repetition_penalty and no_repeat_ngram_size; sampling repeats with its seed', async () => {
    const before = tf.memory().numTensors;
    const prompt = 'The model is based on the concept of';
    const options = { repetition_penalty: 1.3, no_repeat_ngram_size: 2, max_new_tokens: 12 };
    const ctx = await makeTestContext({ stageId: 'gen' });
    await generateStage.run(ctx, stageParams('generate', { base: TINY_GPT2, prompts: [prompt], ...options }), {});
    const model = await loadGpt2(TINY_GPT2);
    let direct: Awaited<ReturnType<typeof generateGpt2>>;
    try {
      direct = await generateGpt2(model, encodeGpt2(prompt), {
        maxNewTokens: 12,
        repetitionPenalty: 1.3,
        noRepeatNgramSize: 2,
      });
    } finally {
      disposeGpt2Model(model);
    }
    assert.deepEqual((await texts(ctx.outDir))[0].new_ids, direct.newIds);

    const sample = async () => {
      const c = await makeTestContext({ stageId: 'sample' });
      await generateStage.run(
        c,
        stageParams('generate', {
          base: TINY_GPT2,
          prompts: [prompt],
          do_sample: true,
          top_k: 50,
          top_p: 0.9,
          temperature: 0.8,
          seed: 7,
          max_new_tokens: 8,
        }),
        {},
      );
      return (await texts(c.outDir))[0].new_ids;
    };
    assert.deepEqual(await sample(), await sample());
    assert.equal(tf.memory().numTensors, before);
  });

  it('applies a LoRA artifact on its base (the same tokens as loadLoraAdapter + generateGpt2)', async () => {
    const before = tf.memory().numTensors;
    const base = await writeTinyModelFolder(4);
    const data = await writeSplitTokens(packedTokens(8, 16), packedTokens(2, 16, 9));
    const train = await makeTestContext({ stageId: 'lora' });
    await loraStage.run(
      train,
      stageParams('lora', { base, r: 4, lora_alpha: 32, epochs: 1, batch_size: 4, lr: 5e-2, seed: 1 }),
      { data },
    );

    const ctx = await makeTestContext({ stageId: 'gen' });
    await generateStage.run(ctx, stageParams('generate', { prompts: ['a'], max_new_tokens: 6, stop_at_eos: false }), {
      model: artifactRef(train.outDir, 'lora', 'model', 'model'),
    });
    const model = await loadGpt2(base);
    let direct: Awaited<ReturnType<typeof generateGpt2>>;
    try {
      const state = await loadLoraAdapter(model, join(train.outDir, 'adapter'));
      try {
        direct = await generateGpt2(model, encodeGpt2('a'), { maxNewTokens: 6, eosTokenId: null });
      } finally {
        detachLora(model, state);
      }
    } finally {
      disposeGpt2Model(model);
    }
    assert.deepEqual((await texts(ctx.outDir))[0].new_ids, direct.newIds);
    assert.equal(tf.memory().numTensors, before);
  });
});
