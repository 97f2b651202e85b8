// Run by wasm-threads.test.ts in a child process per thread count (the wasm backend's build and pool are fixed per
// process): selects wasm under the parent's TFPIPE_WASM_THREADS, computes a matmul and the reference's AdamW steps
// of the tiny GPT-2 fixture, and prints one JSON line. It must end by itself: pthread workers may not keep it alive.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../../models/gpt2/model.ts';
import { gpt2Batch } from '../../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { TINY_GPT2, trainFixture } from '../gpt2/fixtures.ts';
import { stepLoss } from '../../helpers/backends.ts';

const { device } = await selectBackend('wasm');

// (256, 320) @ (320, 192): large enough for XNNPACK to split it across threads
const product = tf.tidy(() => {
  const a = tf.tensor2d(
    Float32Array.from({ length: 256 * 320 }, (_, i) => Math.sin(i * 0.37)),
    [256, 320],
  );
  const b = tf.tensor2d(
    Float32Array.from({ length: 320 * 192 }, (_, i) => Math.cos(i * 0.11)),
    [320, 192],
  );
  return tf.matMul(a, b);
});
const matmul = Array.from(await product.data());
product.dispose();

const ref = trainFixture();
const model = await loadGpt2(TINY_GPT2);
const { lr, betas, eps, weight_decay } = ref.optimizer;
const optimizer = createOptimizer({ name: 'adamw', lr, betas, eps, weightDecay: weight_decay });
const trainable = gpt2Trainable(model);
const steps = ref.losses.length - 1;
const losses: number[] = [];
for (let step = 0; step < steps; step++)
  losses.push(await stepLoss(trainable, gpt2Batch(ref.batch), optimizer, step + 1));
const wte = Array.from(await model.params['transformer.wte.weight'].data());
optimizer.dispose();
disposeGpt2Model(model);

console.log(
  JSON.stringify({
    device,
    matmul,
    losses,
    referenceLosses: ref.losses.slice(0, steps),
    wte,
    tensorsLeft: tf.memory().numTensors,
  }),
);
