// The lora stage: peft-format output (adapter_config.json + adapter_model.safetensors with peft's key names) that
// loadLoraAdapter reads onto the base, peft's trainable-parameter line, the base frozen, and merge: true giving a
// full model with the same perplexity as the adapter applied on its base.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loraStage, type LoraParams } from '../../stages/lora.ts';
import { evaluateStage } from '../../stages/evaluate.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { readSafetensors } from '../../models/io/safetensors.ts';
import { loadLoraAdapter } from '../../models/lora/io.ts';
import { detachLora } from '../../models/lora/lora.ts';
import { makeTestContext } from '../helpers/context.ts';
import { artifactRef, packedTokens, writeSplitTokens, writeTinyModelFolder } from './lm-fixtures.ts';
import { stageParams } from '../helpers/params.ts';

await tf.setBackend('cpu');

const BASE = await writeTinyModelFolder();
const PARAMS = stageParams<LoraParams>('lora', {
  base: BASE,
  r: 4,
  lora_alpha: 16,
  epochs: 2,
  batch_size: 4,
  lr: 1e-2,
  logging_steps: 2,
  seed: 3,
});

describe('lora stage', () => {
  it('writes a peft adapter that loadLoraAdapter loads onto its base, with peft key names and config', async () => {
    const before = tf.memory().numTensors;
    const data = await writeSplitTokens(packedTokens(12, 16), packedTokens(4, 16, 77));
    const ctx = await makeTestContext({ stageId: 'lora' });
    const result = await loraStage.run(ctx, PARAMS, { data });

    const config = JSON.parse(await readFile(join(ctx.outDir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'gpt2-lora');
    assert.deepEqual(config.base, { path: BASE });
    const adapterConfig = JSON.parse(await readFile(join(ctx.outDir, 'adapter/adapter_config.json'), 'utf8'));
    assert.equal(adapterConfig.peft_type, 'LORA');
    assert.equal(adapterConfig.r, 4);
    assert.equal(adapterConfig.lora_alpha, 16);
    assert.deepEqual(adapterConfig.target_modules, ['c_attn']);
    assert.equal(adapterConfig.bias, 'none');
    assert.equal(adapterConfig.base_model_name_or_path, BASE);
    const { tensors } = await readSafetensors(join(ctx.outDir, 'adapter/adapter_model.safetensors'));
    assert.deepEqual([...tensors.keys()].sort(), [
      'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight',
      'base_model.model.transformer.h.0.attn.c_attn.lora_B.weight',
    ]);
    assert.ok(
      [...tensors.values()].some((t) => t.shape[1] === 4 && t.data.some((v) => v !== 0)),
      'lora_B trained away from zero',
    );

    const base = await loadGpt2(BASE);
    const state = await loadLoraAdapter(base, join(ctx.outDir, 'adapter'));
    assert.ok(
      Object.values(base.params).every((p) => !p.trainable),
      'the base is frozen under the adapter',
    );
    detachLora(base, state);
    disposeGpt2Model(base);

    // 1 layer × (A [4, 16] + B [48, 4]) = 256 trainable.
    const line = result.summary!.find((l) => l.startsWith('trainable params: '))!;
    const all = result.metrics!.all_params as number;
    assert.equal(result.metrics!.trainable_params, 256);
    assert.equal(
      line,
      `trainable params: 256 || all params: ${all.toLocaleString('en-US')} || trainable%: ${((100 * 256) / all).toFixed(4)}`,
    );
    assert.equal(tf.memory().numTensors, before);
  });

  it('merge: true outputs a full gpt2 folder with the perplexity of the adapter applied on its base', async () => {
    const before = tf.memory().numTensors;
    const data = await writeSplitTokens(packedTokens(8, 16), packedTokens(4, 16, 77));
    const adapterCtx = await makeTestContext({ stageId: 'lora' });
    await loraStage.run(adapterCtx, PARAMS, { data });
    const mergedCtx = await makeTestContext({ stageId: 'lora_merged' });
    await loraStage.run(mergedCtx, { ...PARAMS, merge: true }, { data });
    assert.equal(JSON.parse(await readFile(join(mergedCtx.outDir, 'config.json'), 'utf8')).model_type, 'gpt2');
    assert.ok(
      (await readFile(join(mergedCtx.outDir, 'adapter/adapter_config.json'), 'utf8')).includes('"LORA"'),
      'the adapter is kept next to the merged weights',
    );

    const measure = async (dir: string, stage: string) => {
      const ctx = await makeTestContext({ stageId: `ppl_${stage}` });
      const r = await evaluateStage.run(ctx, stageParams('evaluate', { part: 'valid', batch_size: 256 }), {
        model: artifactRef(dir, stage, 'model', 'model'),
        data,
      });
      return r.metrics!.valid_perplexity as number;
    };
    const viaAdapter = await measure(adapterCtx.outDir, 'lora');
    const merged = await measure(mergedCtx.outDir, 'lora_merged');
    assert.ok(Math.abs(viaAdapter / merged - 1) < 1e-4, `adapter ${viaAdapter} vs merged ${merged}`);
    assert.equal(tf.memory().numTensors, before);
  });
});
