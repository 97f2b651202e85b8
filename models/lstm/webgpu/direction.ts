// One direction of one LSTM layer on webgpu: layer.ts's contract (packed x [N, in] → packed h [N, H], differentiable
// in x and the four weights) with the time loop inside one program each way (sequence-forward.ts,
// sequence-backward.ts) instead of ~20 tfjs dispatches per step.
// Forward: xproj = x·W_ihᵀ + (b_ih + b_hh) for all N rows (one matmul), W_hhᵀ once, then the sequence program.
// Backward: the sequence program gives dZ [N, 4H]; then matmuls over all steps: dx = dZ·W_ih, dW_ih = dZᵀ·x,
// dW_hh = dZᵀ·h_prev (h_prev gathered from the output, a zero row where a row starts), db = Σ dZ.
import * as tf from '@tensorflow/tfjs-core';
import { previousRows, type DirectionWeights, type PackedLayout } from '../packing.ts';
import { DEFAULT_ROWS_PER_GROUP } from './sequence-common.ts';
import { runSequenceForward } from './sequence-forward.ts';
import { runSequenceBackward } from './sequence-backward.ts';

export interface SequenceOptions {
  /** Sequences per workgroup (supportsSequencePrograms says which fit). */
  rowsPerGroup?: number;
}

/** x [N, in] → the trace [N, 6H] (keep) or h [N, H]. */
function forwardTrace(
  x: tf.Tensor2D,
  w: DirectionWeights,
  layout: PackedLayout,
  reverse: boolean,
  keep: boolean,
  rows: number,
): tf.Tensor2D {
  const xproj = tf.tidy(() => tf.add(tf.matMul(x, w.wIh, false, true), tf.add(w.bIh, w.bHh))) as tf.Tensor2D; // [N, 4H]
  const wHhT = tf.transpose(w.wHh); // [H, 4H]: the program reads it along columns, coalesced
  const out = runSequenceForward(xproj, wHhT, layout, reverse, keep, rows);
  tf.dispose([xproj, wHhT]);
  return out;
}

function backward(
  dy: tf.Tensor2D,
  x: tf.Tensor2D,
  w: DirectionWeights,
  trace: tf.Tensor2D,
  out: tf.Tensor2D,
  layout: PackedLayout,
  reverse: boolean,
  rows: number,
): tf.Tensor[] {
  const dZ = runSequenceBackward(dy, trace, w.wHh, layout, reverse, rows); // [N, 4H]
  const grads = tf.tidy(() => {
    const H = out.shape[1];
    const hPrev = tf.gather(tf.concat([out, tf.zeros([1, H])], 0), tf.tensor1d(previousRows(layout, reverse), 'int32')); // [N, H]; row N is the zero state
    const dB = tf.sum(dZ, 0); // [4H]
    return [tf.matMul(dZ, w.wIh), tf.matMul(dZ, x, true, false), tf.matMul(dZ, hPrev, true, false), dB, dB.clone()];
  });
  dZ.dispose();
  return grads;
}

/** lstmDirection (layer.ts) on webgpu; the caller checks supportsSequencePrograms(H). */
export function lstmDirectionWebGpu(
  x: tf.Tensor2D,
  w: DirectionWeights,
  layout: PackedLayout,
  reverse: boolean,
  training: boolean,
  options: SequenceOptions = {},
): tf.Tensor2D {
  const rows = options.rowsPerGroup ?? DEFAULT_ROWS_PER_GROUP;
  if (!training) return forwardTrace(x, w, layout, reverse, false, rows);
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wIh, wHh, bIh, bHh] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const save = args[5] as tf.GradSaveFunc;
    const trace = forwardTrace(xi, { wIh, wHh, bIh, bHh }, layout, reverse, true, rows); // [N, 6H]: h | i f g o | c
    const H = wHh.shape[1];
    const out = tf.slice(trace, [0, 0], [trace.shape[0], H]) as tf.Tensor2D; // [N, H]
    save([xi, wIh, wHh, bIh, bHh, trace, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sWih, sWhh, sBih, sBhh, sTrace, sOut] = saved as tf.Tensor2D[];
        const sw = { wIh: sWih, wHh: sWhh, bIh: sBih as unknown as tf.Tensor1D, bHh: sBhh as unknown as tf.Tensor1D };
        return backward(dy as tf.Tensor2D, sx, sw, sTrace, sOut, layout, reverse, rows);
      },
    };
  });
  return op(x, w.wIh, w.wHh, w.bIh, w.bHh) as tf.Tensor2D;
}
