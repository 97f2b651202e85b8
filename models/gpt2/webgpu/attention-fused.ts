// The fused causal self-attention as one differentiable op: GPT-2's training/eval attention on webgpu when there is
// no padding mask and no KV cache (models/gpt2/model.ts routes here). qkv [N, 3C] → y [N, C], N = B·T.
//
// Per layer, against the composite causalSelfAttention (attention.ts), counted from the code:
//   forward  — composite: transpose, 3 split slices, scale, Q·Kᵀ, + bias, softmax, (× mask), P·V, transpose = 10
//              dispatches (11 with dropout), plus 4 per layer to draw the (B, nh, T, T) mask (randomUniform,
//              greaterEqual, cast, mul); it keeps qs, k, v (3·N·C) and probs (B·nh·T·T) for the backward, and the
//              mask (B·nh·T·T) and the (T, T) bias are alive until then too;
//              fused: 3 dispatches (kernel + 2 slices), no mask, no bias; keeps y (a clone sharing c_proj's input)
//              and L (B·nh·T). At GPT-2 small, B 8, T 1024: 806 MB (probs + mask) → 0.4 MB per layer.
//   backward — composite: 12 dispatches (14 with dropout), several (B, nh, T, T) temporaries;
//              fused: 2 (row dot D, and one 3-role kernel writing d qkv), no (B, nh, T, T) temporaries.
// Attention dropout is drawn inside the kernels (attention-wgsl.ts): on webgpu the dropped (i, j) differ from the
// tf.randomUniform masks cpu and wasm draw for the same seed, but are reproducible from (seed, b, h, i, j).
import * as tf from '@tensorflow/tfjs-core';
import { useFusedKernels } from '../../backend/webgpu/run-program.ts';
import { differentiable } from '../ops.ts';
import { attentionBackward } from './attention-backward.ts';
import { attentionForward } from './attention-forward.ts';
import { fusedShapeSupported, type AttentionDropout, type FusedAttentionShape } from './attention-wgsl.ts';

/**
 * Whether the model's no-cache, unpadded attention should take the fused kernels: on webgpu, for a head size the
 * kernels take, unless FUSED_KERNELS_FLAG is off.
 */
export function fusedAttentionApplies(shape: FusedAttentionShape): boolean {
  return useFusedKernels() && fusedShapeSupported(shape);
}

/** Causal self-attention with the fused kernels: qkv [N, 3C] → y [N, C]; `dropout` on P, drawn in-kernel. */
export function fusedCausalSelfAttention(
  qkv: tf.Tensor2D,
  shape: FusedAttentionShape,
  dropout: AttentionDropout | null,
): tf.Tensor2D {
  return differentiable(
    [qkv],
    ([x]) => {
      const { y, L } = attentionForward(x as tf.Tensor2D, shape, dropout);
      return { value: y, keep: [y, L] };
    },
    (dy, [x], [y, L]) => [
      attentionBackward(dy as tf.Tensor2D, x as tf.Tensor2D, y as tf.Tensor2D, L as tf.Tensor1D, shape, dropout),
    ],
  );
}
