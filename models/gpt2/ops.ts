// GPT-2's differentiable building blocks, each a tf.customGrad with a hand-written backward. Why: the Node build of
// tfjs-core registers no gradients (see models/train/ops.ts), and fused backwards are cheaper anyway. Activations
// on the tape stay 2-D [N, ·] (N = B*T) so no reshape/transpose needs a gradient between blocks.
// Frozen weights (non-trainable variables, e.g. the base under LoRA) are closed over, so their gradients are never
// computed — for the tied head that skips the [V, C] matmul, the largest of the step.
import * as tf from '@tensorflow/tfjs-core';
import { rowSegmentSum } from '../backend/webgpu/row-segment-sum.ts';
import { onWebGpu, useFusedKernels } from '../backend/webgpu/run-program.ts';
import { matMulWithEpilogue } from '../backend/webgpu/matmul/op.ts';
import { geluNewBackward, geluNewForward } from './webgpu/gelu-new.ts';
import { columnSums, layerNormGainGrad, layerNormInputGrad } from './webgpu/layer-norm-backward.ts';
import { layerNormApply, layerNormStats } from './webgpu/layer-norm-forward.ts';

/**
 * A nonzero 32-bit seed for sub-stream `index` of `seed`. Never 0: tf.randomNormal treats seed 0 as "unseeded"
 * and draws from Math.random.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0 || 1;
}

type Backward = (dy: tf.Tensor, inputs: tf.Tensor[], saved: tf.Tensor[]) => tf.Tensor[];

/**
 * Backends whose matmul takes transposed operands at full speed. Elsewhere — wasm, whose XNNPACK path measured
 * 10–40× slower with a transposed 2-D operand ([512, 3072]ᵀ @ [512, 768]: 3.9 s vs 0.08 s) — the transpose is
 * materialised first.
 */
const NATIVE_TRANSPOSE = new Set(['cpu', 'webgl', 'webgpu', 'tensorflow']);

/** 2-D matMul with optional transposes, fast on every backend. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (NATIVE_TRANSPOSE.has(tf.getBackend())) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

/** The tied head h [N, C] @ wte^T → [N, V]; on wasm as (wte @ h^T)^T, which transposes the narrow operand. */
export function headLogits(h: tf.Tensor2D, wte: tf.Tensor2D): tf.Tensor2D {
  if (NATIVE_TRANSPOSE.has(tf.getBackend())) return tf.matMul(h, wte, false, true);
  return tf.tidy(() => tf.transpose(tf.matMul(wte, tf.transpose(h))) as tf.Tensor2D);
}

/** The head's weight gradient g^T @ h ([N, V]^T @ [N, C] → [V, C]); on wasm as (h^T @ g)^T, transposing h, not g. */
export function headWeightGrad(g: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  if (NATIVE_TRANSPOSE.has(tf.getBackend())) return tf.matMul(g, h, true, false);
  return tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(h), g)) as tf.Tensor2D);
}

/** Whether backprop needs this tensor's gradient: false only for a variable marked non-trainable. */
export function needsGrad(t: tf.Tensor): boolean {
  return !(t instanceof tf.Variable && !t.trainable);
}

/**
 * Runs `forward` on `inputs` with `backward` as its gradient. Inputs that need no gradient are passed through as
 * constants; `backward` gets every input (in order) and the tensors `forward` asked to keep, and returns one
 * gradient per input that needs one, in order. Tensors the backward uses must be inputs or kept (never captured:
 * a caller's tidy may dispose them before backprop).
 */
export function differentiable<T extends tf.Tensor>(
  inputs: tf.Tensor[],
  forward: (inputs: tf.Tensor[]) => { value: T; keep?: tf.Tensor[] },
  backward: Backward,
): T {
  const live = inputs.map(needsGrad);
  const liveInputs = inputs.filter((_, i) => live[i]);
  if (liveInputs.length === 0) return forward(inputs).value;
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    let next = 0;
    const all = inputs.map((t, i) => (live[i] ? (args[next++] as tf.Tensor) : t));
    const { value, keep = [] } = forward(all);
    save([...liveInputs.map((_, i) => args[i] as tf.Tensor), ...keep]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          let k = 0;
          const restored = inputs.map((t, i) => (live[i] ? saved[k++] : t));
          return backward(dy as tf.Tensor, restored, saved.slice(liveInputs.length));
        }),
    };
  });
  return op(...liveInputs) as T;
}

/** Gradient helper: the list of gradients for the inputs that need one. */
export function gradsFor(inputs: tf.Tensor[], grads: (() => tf.Tensor)[]): tf.Tensor[] {
  return inputs.flatMap((t, i) => (needsGrad(t) ? [grads[i]()] : []));
}

/**
 * wte[ids] + wpe[positions] → [N, C]; backward scatter-adds rows (ScatterNd, which every backend has; on webgpu
 * rowSegmentSum, whose sums do not depend on the order atomics happen to run in).
 */
export function embed(wte: tf.Tensor2D, wpe: tf.Tensor2D, ids: Int32Array, positions: Int32Array): tf.Tensor2D {
  const N = ids.length;
  return differentiable(
    [wte, wpe],
    ([te, pe]) => {
      const value = tf.tidy(() =>
        tf.add(tf.gather(te, tf.tensor1d(ids, 'int32')), tf.gather(pe, tf.tensor1d(positions, 'int32'))),
      ) as tf.Tensor2D;
      return { value };
    },
    (dy, inputs) =>
      gradsFor(inputs, [
        () =>
          onWebGpu()
            ? rowSegmentSum(dy as tf.Tensor2D, ids, wte.shape[0])
            : tf.scatterND(tf.tensor2d(ids, [N, 1], 'int32'), dy, wte.shape),
        () =>
          onWebGpu()
            ? rowSegmentSum(dy as tf.Tensor2D, positions, wpe.shape[0])
            : tf.scatterND(tf.tensor2d(positions, [N, 1], 'int32'), dy, wpe.shape),
      ]),
  );
}

/** LayerNorm over the last axis (biased variance, as torch): x [N, C] → [N, C]. */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  if (useFusedKernels()) return layerNormFused(x, gain, bias, eps);
  return differentiable(
    [x, gain, bias],
    ([xi, g, b]) => {
      const [xhat, rstd] = tf.tidy(() => {
        const centred = tf.sub(xi, tf.mean(xi, -1, true));
        const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)); // [N, 1]
        return [tf.mul(centred, r), r];
      });
      const value = tf.tidy(() => tf.add(tf.mul(xhat, g), b)) as tf.Tensor2D;
      return { value, keep: [xhat, rstd] };
    },
    (dy, [, g], [xhat, rstd]) =>
      gradsFor(
        [x, gain, bias],
        [
          () => {
            // dx = rstd * (dŷ - mean(dŷ) - x̂ * mean(dŷ * x̂)), dŷ = dy * gain
            const dxhat = tf.mul(dy, g);
            const centred = tf.sub(dxhat, tf.mean(dxhat, -1, true));
            return tf.mul(tf.sub(centred, tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), -1, true))), rstd);
          },
          () => tf.sum(tf.mul(dy, xhat), 0),
          () => tf.sum(dy, 0),
        ],
      ),
  );
}

/**
 * layerNorm with webgpu's fused kernels (models/gpt2/webgpu/layer-norm-*.ts): forward 2 programs, backward 3; keeps
 * the [N, 2] row statistics instead of an [N, C] x̂.
 */
function layerNormFused(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  return differentiable(
    [x, gain, bias],
    ([xi, g, b]) => {
      const stats = layerNormStats(xi as tf.Tensor2D, eps);
      return { value: layerNormApply(xi as tf.Tensor2D, stats, g as tf.Tensor1D, b as tf.Tensor1D), keep: [stats] };
    },
    (dy, [xi, g], [stats]) =>
      gradsFor(
        [x, gain, bias],
        [() => layerNormInputGrad(dy, xi, stats, g), () => layerNormGainGrad(dy, xi, stats), () => columnSums(dy)],
      ),
  );
}

/** HF Conv1D: x [N, in] @ W [in, out] + b [out]. */
export function conv1d(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return differentiable(
    [x, weight, bias],
    ([xi, w, b]) => ({ value: tf.fused.matMul({ a: xi as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }) as tf.Tensor2D }),
    (dy, [xi, w]) =>
      gradsFor(
        [x, weight, bias],
        [
          () => matMul2d(dy as tf.Tensor2D, w as tf.Tensor2D, false, true),
          () => matMul2d(xi as tf.Tensor2D, dy as tf.Tensor2D, true, false),
          () => tf.sum(dy, 0),
        ],
      ),
  );
}

/** The three gradients of x @ W + b from the output's gradient dy [N, out]. */
function conv1dGrads(
  dy: tf.Tensor,
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
  inputs: tf.Tensor[],
): tf.Tensor[] {
  return gradsFor(inputs, [
    () => matMul2d(dy as tf.Tensor2D, weight as tf.Tensor2D, false, true),
    () => matMul2d(x as tf.Tensor2D, dy as tf.Tensor2D, true, false),
    () => tf.sum(dy, 0),
  ]);
}

/**
 * gelu_new(x @ W + b), the MLP's c_fc. On webgpu with the fused kernels: one matmul program with a gelu_new epilogue
 * when no input needs a gradient (evaluation, generation); when training, the matmul with its bias and then the
 * gelu_new program, keeping the pre-activation [N, 4C] for the backward (recomputing it would cost a matmul).
 */
export function conv1dGeluNew(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (!useFusedKernels()) return geluNew(conv1d(x, weight, bias));
  const inputs = [x, weight, bias];
  if (!inputs.some(needsGrad)) return matMulWithEpilogue(x, weight, { bias, activation: 'gelu_new' }) as tf.Tensor2D;
  return differentiable(
    inputs,
    ([xi, w, b]) => {
      const pre = matMulWithEpilogue(xi, w, { bias: b }) as tf.Tensor2D;
      return { value: geluNewForward(pre), keep: [pre] };
    },
    (dy, [xi, w, b], [pre]) => conv1dGrads(geluNewBackward(dy, pre), xi, w, b, inputs),
  );
}

/**
 * residual + (x @ W + b), the blocks' c_proj and its residual connection. On webgpu with the fused kernels: one
 * program (the residual is the epilogue); the backward is conv1d's plus dy for the residual.
 */
export function conv1dResidual(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  residual: tf.Tensor2D,
): tf.Tensor2D {
  if (!useFusedKernels()) return addSame(residual, conv1d(x, weight, bias));
  const inputs = [x, weight, bias, residual];
  return differentiable(
    inputs,
    ([xi, w, b, r]) => ({ value: matMulWithEpilogue(xi, w, { bias: b, residual: r }) as tf.Tensor2D }),
    (dy, [xi, w, b]) => [...conv1dGrads(dy, xi, w, b, inputs.slice(0, 3)), ...(needsGrad(residual) ? [dy] : [])],
  );
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** gelu_new, the tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
export function geluNew(x: tf.Tensor2D): tf.Tensor2D {
  if (useFusedKernels())
    return differentiable(
      [x],
      ([xi]) => ({ value: geluNewForward(xi as tf.Tensor2D) }),
      (dy, [xi]) => [geluNewBackward(dy, xi)],
    );
  return differentiable(
    [x],
    ([xi]) => {
      const t = tf.tidy(() => tf.tanh(tf.mul(tf.add(xi, tf.mul(tf.mul(tf.mul(xi, xi), xi), 0.044715)), GELU_C)));
      const value = tf.tidy(() => tf.mul(tf.mul(xi, 0.5), tf.add(t, 1))) as tf.Tensor2D;
      return { value, keep: [t] };
    },
    (dy, [xi], [t]) => {
      // d/dx = 0.5 (1 + t) + 0.5 x (1 - t²) √(2/π) (1 + 3·0.044715 x²)
      const slope = tf.mul(tf.mul(tf.sub(1, tf.square(t)), GELU_C), tf.add(1, tf.mul(tf.square(xi), 3 * 0.044715)));
      return [tf.mul(dy, tf.add(tf.mul(tf.add(t, 1), 0.5), tf.mul(tf.mul(xi, 0.5), slope)))];
    },
  );
}

/** a + b of the same shape (residual connections). */
export function addSame<T extends tf.Tensor>(a: T, b: T): T {
  return differentiable(
    [a, b],
    ([x, y]) => ({ value: tf.add(x, y) as T }),
    (dy, inputs) => gradsFor(inputs, [() => dy, () => dy]),
  );
}

/** Inverted dropout with a seeded mask: zero with probability `rate`, scale the rest by 1/(1 − rate). */
export function dropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (rate === 0) return x;
  const mask = dropoutMask(x.shape, rate, seed);
  const out = differentiable(
    [x],
    ([xi]) => ({ value: tf.mul(xi, mask) as T, keep: [mask] }),
    (dy, _inputs, [m]) => [tf.mul(dy, m)],
  );
  mask.dispose();
  return out;
}

export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  return tf.tidy(() =>
    tf.mul(tf.cast(tf.greaterEqual(tf.randomUniform(shape, 0, 1, 'float32', seed), rate), 'float32'), 1 / (1 - rate)),
  );
}
