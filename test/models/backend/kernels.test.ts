// Every kernel that LSTM (lab 1) and GPT-2 (lab 2) training and generation dispatch, recorded on each backend
// available here, must be registered on every one of them: a standard tfjs kernel used on any backend must exist on
// all (wasm lacked UnsortedSegmentSum, the embedding gradient, until models/backend registered one). tfpipe's own
// fused LSTM kernels exist on cpu and wasm only; elsewhere the LSTM must fall back to standard ops, never call them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HF_REFERENCE } from '../../helpers/context.ts';
import { availableBackends, stepLoss, useBackend } from '../../helpers/backends.ts';
import { JS_KERNEL_BACKENDS } from '../../../models/backend/tensor-data.ts';
import { FUSED_KERNELS_FLAG } from '../../../models/backend/webgpu/run-program.ts';
import type { BackendName } from '../../../models/backend/select.ts';
import { LSTM_CELL_BACKWARD, LSTM_CELL_FORWARD } from '../../../models/lstm/cell-kernels.ts';
import { LSTM_CELL_OUTPUT, LSTM_CELL_UPDATE, LSTM_GATE_SUM } from '../../../models/lstm/cell-kernels-split.ts';
import { loadLstmSafetensors } from '../../../models/lstm/weights.ts';
import { disposeLstm, forwardLstm } from '../../../models/lstm/model.ts';
import { lstmTrainable } from '../../../models/lstm/trainable.ts';
import { loadGpt2 } from '../../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2 } from '../../../models/gpt2/model.ts';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import { gpt2Batch } from '../../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../../models/gpt2/trainable.ts';
import { loadLoraAdapter } from '../../../models/lora/io.ts';
import { detachLora, type LoraState } from '../../../models/lora/lora.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { LORA_INIT, TINY_GPT2, trainFixture } from '../gpt2/fixtures.ts';

const TFPIPE_KERNELS = new Set([
  LSTM_CELL_FORWARD,
  LSTM_CELL_BACKWARD,
  LSTM_GATE_SUM,
  LSTM_CELL_UPDATE,
  LSTM_CELL_OUTPUT,
]);

/** On webgpu, tfpipe's own WGSL programs run beside the kernels (runProgram): recorded as `program:<shaderKey>`. */
const PROGRAM = 'program:';

/** Kernel names passed to the engine while `work` runs (ops, gradients, optimizer updates, our kernels and programs). */
async function recordKernels(work: () => Promise<void>): Promise<Set<string>> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const backend = tf.backend() as unknown as {
    runWebGPUProgram?: (program: { shaderKey: string }, ...rest: unknown[]) => unknown;
  };
  const original = engine.runKernel;
  const originalProgram = backend.runWebGPUProgram;
  const names = new Set<string>();
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    names.add(name);
    return original.call(this, name, ...rest);
  };
  if (originalProgram) {
    backend.runWebGPUProgram = function (this: unknown, program: { shaderKey: string }, ...rest: unknown[]) {
      if (program.shaderKey.startsWith('tfpipe_')) names.add(PROGRAM + program.shaderKey);
      return originalProgram.call(this, program, ...rest);
    };
  }
  try {
    await work();
  } finally {
    engine.runKernel = original;
    if (originalProgram) backend.runWebGPUProgram = originalProgram;
  }
  return names;
}

interface LstmCase {
  name: string;
  n_layers: number;
  bidirectional: boolean;
  pad_index: number;
  ids: number[][];
  length: number[];
  labels: number[];
}

/** The reference LSTM that dispatches the most: bidirectional first, then the most layers (a layer feeding the next). */
async function widestLstmCase(): Promise<LstmCase> {
  const cases = JSON.parse(await readFile(join(HF_REFERENCE, 'lstm.json'), 'utf8')) as LstmCase[];
  return cases.sort((a, b) => Number(b.bidirectional) - Number(a.bidirectional) || b.n_layers - a.n_layers)[0];
}

async function lab1Work(): Promise<void> {
  const c = await widestLstmCase();
  const model = await loadLstmSafetensors(join(HF_REFERENCE, `${c.name}.safetensors`), { padIndex: c.pad_index });
  const optimizers = [
    createOptimizer({ name: 'adam', lr: 1e-3 }),
    createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 }),
  ];
  const logits: tf.Tensor[] = [];
  try {
    const batch = { ids: Int32Array.from(c.ids.flat()), lengths: c.length, width: c.ids[0].length, labels: c.labels };
    for (const optimizer of optimizers) await stepLoss(lstmTrainable(model), batch, optimizer);
    logits.push(tf.tidy(() => tf.softmax(forwardLstm(model, batch))));
    await logits[0].data();
  } finally {
    tf.dispose(logits);
    for (const optimizer of optimizers) optimizer.dispose();
    disposeLstm(model);
  }
}

async function lab2Work(): Promise<void> {
  const model = await loadGpt2(TINY_GPT2);
  const optimizer = createOptimizer({ name: 'adamw', lr: 1e-3, eps: 1e-8, weightDecay: 0.01 });
  let lora: LoraState | undefined;
  const outputs: tf.Tensor[] = [];
  try {
    const { batch } = trainFixture();
    await stepLoss(gpt2Trainable(model), gpt2Batch(batch), optimizer);
    lora = await loadLoraAdapter(model, LORA_INIT);
    await stepLoss(gpt2Trainable(model, lora.params), gpt2Batch(batch), optimizer);
    const { logits, loss } = forwardGpt2(model, [batch[0]], { labels: [batch[0]] });
    outputs.push(logits, loss!);
    await loss!.data();
    await generateGpt2(model, batch[0].slice(0, 4), { maxNewTokens: 3, eosTokenId: null });
    await generateGpt2(model, batch[0].slice(0, 4), {
      maxNewTokens: 3,
      eosTokenId: null,
      doSample: true,
      topK: 5,
      topP: 0.9,
      temperature: 0.8,
      repetitionPenalty: 1.2,
      seed: 1,
    });
  } finally {
    tf.dispose(outputs);
    optimizer.dispose();
    if (lora) detachLora(model, lora);
    disposeGpt2Model(model);
  }
}

const backends = await availableBackends();
const dispatched = new Map<BackendName, Set<string>>();

for (const backend of backends) {
  test(`lab 1 and lab 2 training and generation run on ${backend}; record their kernels`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    dispatched.set(
      backend,
      await recordKernels(async () => {
        await lab1Work();
        await lab2Work();
      }),
    );
    assert.equal(tf.memory().numTensors, before, 'the workloads leaked tensors');
    // the embedding gradient: tfjs's kernel, except on webgpu, where a program sums in a fixed order (no atomics)
    const names = dispatched.get(backend)!;
    const embeddingGradient =
      backend === 'webgpu'
        ? [...names].some((n) => n.startsWith(`${PROGRAM}tfpipe_row_segment_sum`))
        : names.has('UnsortedSegmentSum');
    assert.ok(embeddingGradient, 'the embedding gradient was exercised');
  });
}

test('every standard kernel dispatched on any backend is registered on every backend', (t) => {
  assert.equal(dispatched.size, backends.length, 'every backend recorded its kernels');
  const standard = [...new Set([...dispatched.values()].flatMap((s) => [...s]))]
    .filter((k) => !TFPIPE_KERNELS.has(k) && !k.startsWith(PROGRAM))
    .sort();
  t.diagnostic(`${standard.length} standard kernels: ${standard.join(' ')}`);
  assert.ok(standard.length > 30, `suspiciously few kernels recorded: ${standard.length}`);
  for (const backend of backends) {
    const missing = standard.filter((k) => tf.getKernel(k, backend) === undefined);
    assert.deepEqual(missing, [], `${backend} lacks ${missing.join(', ')}`);
  }
});

test("tfpipe's fused LSTM kernels: registered and used on cpu and wasm, never dispatched elsewhere", () => {
  for (const [backend, names] of dispatched) {
    const ours = [...names].filter((k) => TFPIPE_KERNELS.has(k));
    if ((JS_KERNEL_BACKENDS as readonly string[]).includes(backend)) {
      assert.ok(ours.length > 0, `${backend} should use the fused cell`);
      for (const k of ours) assert.ok(tf.getKernel(k, backend), `${k} on ${backend}`);
    } else {
      assert.deepEqual(ours, [], `${backend} has no fused cell and must take the composite path`);
    }
  }
});

test("on webgpu the labs' work runs tfpipe's WGSL programs: LSTM sequence, LayerNorm, gelu_new, cross-entropy, attention, embedding gradient", (t) => {
  const names = dispatched.get('webgpu');
  if (!names) {
    t.skip('webgpu is not among the backends here (reason printed above)');
    return;
  }
  const programs = [...names].filter((n) => n.startsWith(PROGRAM)).map((n) => n.slice(PROGRAM.length));
  t.diagnostic(`${programs.length} programs: ${programs.sort().join(' ')}`);
  const expected = [
    'tfpipe_lstm_sequence_forward',
    'tfpipe_lstm_sequence_backward',
    'tfpipe_gpt2_layernorm_stats',
    'tfpipe_gpt2_layernorm_input_grad',
    'tfpipe_gpt2_gelu_new_wg',
    'tfpipe_gpt2_gelu_new_grad',
    'tfpipe_gpt2_row_log_sum_exp',
    'tfpipe_gpt2_cross_entropy_logit_grad',
    'tfpipe_attention_forward',
    'tfpipe_attention_backward',
    'tfpipe_row_segment_sum',
  ];
  for (const prefix of expected)
    assert.ok(
      programs.some((p) => p.startsWith(prefix)),
      `no ${prefix}* program ran`,
    );
});

test('with TFPIPE_FUSED_KERNELS off, webgpu runs the same work on plain tfjs ops (the GPU benchmark\'s "before")', async (t) => {
  if (!dispatched.has('webgpu')) {
    t.skip('webgpu is not among the backends here (reason printed above)');
    return;
  }
  await useBackend('webgpu');
  tf.env().set(FUSED_KERNELS_FLAG, false);
  try {
    const names = await recordKernels(async () => {
      await lab1Work();
      await lab2Work();
    });
    const programs = [...names].filter((n) => n.startsWith(PROGRAM)).map((n) => n.slice(PROGRAM.length));
    assert.deepEqual(
      programs.filter((p) => !p.startsWith('tfpipe_row_segment_sum')),
      [],
      'only the fixed-order embedding gradient stays',
    );
    assert.ok(names.has('Softmax') && names.has('Sigmoid'), 'attention and the LSTM cell went through tfjs ops');
  } finally {
    tf.env().set(FUSED_KERNELS_FLAG, true);
  }
});
