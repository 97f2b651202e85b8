// The whole-sequence LSTM programs on webgpu (models/lstm/webgpu/) against the per-step path on the cpu backend:
// one layer-direction's output and all five gradients (dx, dW_ih, dW_hh, db_ih, db_hh) for both directions, H 8,
// 64 and 200, one and two rows per workgroup; and whole 2-layer models (uni and bidirectional) — logits and every
// parameter gradient. Ragged lengths include 1 and the longest twice (packed steps gain and lose rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { availableBackends } from '../../helpers/backends.ts';
import { lstmDirection } from '../../../models/lstm/layer.ts';
import type { DirectionWeights } from '../../../models/lstm/packing.ts';
import { packLayout } from '../../../models/lstm/packing.ts';
import { lstmDirectionWebGpu } from '../../../models/lstm/webgpu/direction.ts';
import { sequenceBatchFits, supportsSequencePrograms } from '../../../models/lstm/webgpu/sequence-common.ts';
import { createLstmClassifier, disposeLstm, forwardLstm } from '../../../models/lstm/model.ts';
import { lstmTrainable } from '../../../models/lstm/trainable.ts';
import { paramGrads } from '../../../models/train/step.ts';
import { lstmFromStateDict, lstmStateDict } from '../../../models/lstm/weights.ts';
import type { LstmConfig } from '../../../models/lstm/config.ts';
import type { NamedArray } from '../../../models/io/safetensors.ts';

// availableBackends prints why webgpu is left out (no adapter, or not in TFPIPE_TEST_BACKENDS)
const skip = (await availableBackends()).includes('webgpu')
  ? false
  : 'webgpu is not available or not selected here (reason printed above)';
if (skip) console.log(`webgpu sequence-program tests skipped: ${skip}`);

const LENGTHS = [4, 7, 1, 7, 3, 2, 5]; // T = 7, batch 7
const IN = 6;

/** Deterministic values in [-0.5, 0.5) (an LCG: the same on every backend, no tfjs randomness involved). */
function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

function assertClose(got: ArrayLike<number>, expected: ArrayLike<number>, what: string, abs = 1e-6): void {
  assert.equal(got.length, expected.length, `${what}: length`);
  for (let k = 0; k < got.length; k++) {
    const tol = abs + 1e-5 * Math.abs(expected[k]);
    assert.ok(Math.abs(got[k] - expected[k]) <= tol, `${what}[${k}]: ${got[k]} vs ${expected[k]}`);
  }
}

/** Inference output, then training output and the five gradients for upstream gradient dy, read back. */
async function directionResults(H: number, reverse: boolean, run: typeof lstmDirection): Promise<Float32Array[]> {
  const layout = packLayout(LENGTHS);
  const N = layout.rows;
  const x = tf.tensor2d(values(N * IN, 1), [N, IN]);
  const w: DirectionWeights = {
    wIh: tf.tensor2d(values(4 * H * IN, 2), [4 * H, IN]),
    wHh: tf.tensor2d(values(4 * H * H, 3, 4 / Math.sqrt(H)), [4 * H, H]), // large enough that the recurrence matters
    bIh: tf.tensor1d(values(4 * H, 4)),
    bHh: tf.tensor1d(values(4 * H, 5)),
  };
  const dy = tf.tensor2d(values(N * H, 6), [N, H]);
  const before = tf.memory().numTensors;
  const inference = run(x, w, layout, reverse, false);
  const f = (xi: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
    run(
      xi as tf.Tensor2D,
      { wIh: a as tf.Tensor2D, wHh: b as tf.Tensor2D, bIh: c as tf.Tensor1D, bHh: d as tf.Tensor1D },
      layout,
      reverse,
      true,
    );
  const { value, grads } = tf.valueAndGrads(f)([x, w.wIh, w.wHh, w.bIh, w.bHh], dy);
  const out = await Promise.all([inference, value, ...grads].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([inference, value, ...grads]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  tf.dispose([x, dy, w.wIh, w.wHh, w.bIh, w.bHh]);
  return out;
}

const NAMES = ['inference output', 'training output', 'dx', 'dW_ih', 'dW_hh', 'db_ih', 'db_hh'];

// H 200: an invocation holds several gate columns (4H = 800 > 256 invocations, the last slot partly empty) and, at
// 2 rows a workgroup, several cells (2H = 400)
for (const H of [8, 64, 200]) {
  for (const reverse of [false, true]) {
    test(
      `webgpu sequence programs, H ${H}, ${reverse ? 'reverse' : 'forward'}: output and gradients equal the cpu path (1 and 2 rows a workgroup)`,
      { skip },
      async () => {
        await selectBackend('cpu');
        const expected = await directionResults(H, reverse, lstmDirection);
        await selectBackend('webgpu');
        tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0);
        for (const rowsPerGroup of [1, 2]) {
          assert.ok(supportsSequencePrograms(H, rowsPerGroup));
          const got = await directionResults(H, reverse, (x, w, layout, rev, training) =>
            lstmDirectionWebGpu(x, w, layout, rev, training, { rowsPerGroup }),
          );
          got.forEach((g, k) => assertClose(g, expected[k], `${NAMES[k]} (${rowsPerGroup} rows)`));
        }
      },
    );
  }
}

test('supportsSequencePrograms: H up to 256 at one row a workgroup, within 16 KiB of workgroup memory', () => {
  assert.ok(supportsSequencePrograms(256, 1));
  assert.ok(supportsSequencePrograms(128, 2));
  assert.ok(!supportsSequencePrograms(257, 1));
  assert.ok(supportsSequencePrograms(128, 3));
  assert.ok(!supportsSequencePrograms(128, 4)); // arrays are sized for H = 256: 4 rows · 5 · 256 floats > 16 KiB
  assert.ok(!supportsSequencePrograms(0, 1));
});

test('sequenceBatchFits: one workgroup per row group, at most 65,535 along x (tfjs reshapes bigger dispatches)', () => {
  assert.ok(sequenceBatchFits(65535, 1));
  assert.ok(!sequenceBatchFits(65536, 1));
  assert.ok(sequenceBatchFits(131070, 2));
  assert.ok(!sequenceBatchFits(131071, 2));
});

/** Logits and every parameter gradient of a 2-layer model (no dropout), read back; numTensors checked. */
async function modelResults(config: LstmConfig, weights: Map<string, NamedArray>): Promise<Map<string, Float32Array>> {
  const model = lstmFromStateDict(weights, config);
  const width = Math.max(...LENGTHS);
  const ids = Int32Array.from({ length: LENGTHS.length * width }, (_, k) =>
    k % width < LENGTHS[Math.floor(k / width)] ? 1 + ((k * 7) % (config.vocabSize - 1)) : 0,
  );
  const batch = { ids, lengths: LENGTHS, width, labels: LENGTHS.map((_, b) => b % config.outputDim) };
  const before = tf.memory().numTensors;
  const logits = tf.tidy(() => forwardLstm(model, batch));
  const trainable = lstmTrainable(model);
  const { value, grads } = paramGrads(
    model.params,
    () => trainable.lossAndMetrics(batch, { training: true, seed: 1 }).loss,
  );
  const out = new Map<string, Float32Array>([
    ['logits', (await logits.data()) as Float32Array],
    ['loss', (await value.data()) as Float32Array],
  ]);
  for (const [name, g] of Object.entries(grads)) out.set(name, (await g.data()) as Float32Array);
  tf.dispose([logits, value, grads]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  disposeLstm(model);
  return out;
}

for (const bidirectional of [false, true]) {
  for (const hiddenDim of [8, 64]) {
    test(
      `2-layer ${bidirectional ? 'bidirectional' : 'unidirectional'} LSTM, H ${hiddenDim}: webgpu logits and all gradients equal cpu`,
      { skip },
      async () => {
        const config: LstmConfig = {
          vocabSize: 30,
          embeddingDim: 12,
          hiddenDim,
          outputDim: 3,
          nLayers: 2,
          bidirectional,
          dropout: 0,
          padIndex: 0,
        };
        await selectBackend('cpu');
        const initial = createLstmClassifier(config, 4);
        const weights = new Map(Object.entries(await lstmStateDict(initial)));
        disposeLstm(initial);
        const expected = await modelResults(config, weights);
        await selectBackend('webgpu');
        tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0);
        const got = await modelResults(config, weights);
        assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
        assert.ok(got.has(bidirectional ? 'lstm.weight_hh_l1_reverse' : 'lstm.weight_hh_l1'));
        // the model's gradients are ~1e-3 (a mean loss through two layers): an absolute 1e-6 would hide a 0.1% error
        for (const [name, e] of expected) assertClose(got.get(name)!, e, name, 1e-7);
      },
    );
  }
}
