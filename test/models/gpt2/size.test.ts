// A GPT-2's size from its config alone, the bounds on its sizes, and the refusal of what cannot fit memory.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { memoryBudget, WASM_HEAP_MAX_BYTES } from '../../../models/backend/memory.ts';
import { GPT2_LIMITS, makeGpt2Config, parseHfGpt2Config } from '../../../models/gpt2/config.ts';
import { RELEASED_GPT2_SHAPES } from './released-shapes.ts';
import { gpt2ParamShapes } from '../../../models/gpt2/params.ts';
import { assertGpt2Fits, gpt2MemoryNeed, gpt2ParamCount } from '../../../models/gpt2/size.ts';
import { createGpt2 } from '../../../models/gpt2/load.ts';
import { REPO_ROOT } from '../../helpers/context.ts';
import { tinyConfig } from './fixtures.ts';

const sumOfShapes = (config: ReturnType<typeof makeGpt2Config>) =>
  [...gpt2ParamShapes(config).values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);

describe('GPT-2 size', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('counts parameters in closed form as the parameter list sums them (presets, the fixture, an n_inner)', () => {
    const configs = [
      ...Object.values(RELEASED_GPT2_SHAPES).map((shape) => makeGpt2Config(shape)),
      makeGpt2Config(tinyConfig() as Parameters<typeof makeGpt2Config>[0]),
      makeGpt2Config({ n_layer: 3, n_head: 2, n_embd: 8, n_inner: 20, vocab_size: 11, n_positions: 5 }),
    ];
    for (const config of configs)
      assert.equal(gpt2ParamCount(config), sumOfShapes(config), `n_layer ${config.n_layer}, n_embd ${config.n_embd}`);
  });

  it('needs 4 copies of the weights for full training, one for inference and under a frozen base', () => {
    const config = makeGpt2Config(RELEASED_GPT2_SHAPES.gpt2);
    const params = gpt2ParamCount(config);
    assert.equal(gpt2MemoryNeed(config, 'inference').total, params * 4);
    assert.equal(gpt2MemoryNeed(config, 'adapter-training').total, params * 4);
    assert.equal(gpt2MemoryNeed(config, 'full-training').total, params * 16);
    assert.equal(gpt2MemoryNeed(config, 'inference').largestTensor, 4 * config.vocab_size * config.n_embd, 'wte');
  });

  it('refuses with both figures what does not fit, and passes what does', () => {
    const config = makeGpt2Config(RELEASED_GPT2_SHAPES.gpt2);
    const need = gpt2ParamCount(config) * 16;
    const budget = { bytes: need - 1, source: 'a test budget' };
    assert.throws(
      () => assertGpt2Fits(config, 'full-training', '/m/config.json', budget),
      /^Error: \/m\/config\.json: a GPT-2 of n_layer 12, n_embd 768, vocab_size 50257, for full-training, needs 1\.85 GiB \(124\.4M parameters × 4 bytes × 4 \(weights, gradients, AdamW m and v\)\), but 1\.85 GiB is available \(a test budget\)/,
    );
    assertGpt2Fits(config, 'full-training', '/m/config.json', { bytes: need, source: 'a test budget' });
    assertGpt2Fits(config, 'inference', '/m/config.json', budget);
    assert.throws(
      () => assertGpt2Fits(config, 'inference', 'x', { bytes: need, maxTensorBytes: 1024, source: 'a GPU' }),
      /has a tensor of 147 MiB, over the device's largest buffer of 1\.00 KiB/,
    );
  });

  it("budgets the host's memory on cpu and at most wasm's 4 GiB heap on wasm", () => {
    const cpu = memoryBudget('cpu');
    assert.ok(cpu.bytes > 0, `${cpu.bytes} bytes (${cpu.source})`);
    const wasm = memoryBudget('wasm');
    assert.ok(wasm.bytes > 0 && wasm.bytes <= WASM_HEAP_MAX_BYTES, `${wasm.bytes} bytes (${wasm.source})`);
  });

  it('refuses an `init` too large for memory before allocating anything', () => {
    const before = tf.memory();
    assert.throws(
      () => createGpt2({ n_layer: GPT2_LIMITS.n_layer, n_head: 64, n_embd: GPT2_LIMITS.n_embd }),
      /base `init`: a GPT-2 of n_layer 256, n_embd 32768, vocab_size 50257, for inference, needs 12\.\d TiB \(3\.3T parameters × 4 bytes \(weights\)\), but [\d.]+ [KMG]iB is available/,
    );
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });

  it("bounds every size, in config.json and in the stage schemas' `init` alike", () => {
    for (const [key, max] of Object.entries(GPT2_LIMITS)) {
      const raw = { n_layer: 2, n_head: 2, n_embd: 8, [key]: max + 1 };
      if (key === 'n_head') raw.n_embd = 8; // the bound is checked before divisibility
      assert.throws(
        () => parseHfGpt2Config(raw, '/m/config.json'),
        new RegExp(`^Error: /m/config\\.json: ${key} is ${max + 1}, above tfpipe's limit of ${max} for a GPT-2$`),
      );
    }
    for (const kind of ['evaluate', 'finetune', 'generate', 'lora']) {
      const schema = JSON.parse(readFileSync(join(REPO_ROOT, `schemas/stages/${kind}.schema.json`), 'utf8'));
      const init = schema.properties.base.oneOf.find((s: { type: string }) => s.type === 'object').properties.init
        .properties;
      for (const [key, max] of Object.entries(GPT2_LIMITS))
        assert.equal(init[key].maximum, max, `${kind}: base.init.${key}.maximum`);
    }
  });
});
