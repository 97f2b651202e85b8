// One direction of one LSTM layer over packed rows, as a tf.customGrad with hand-written backprop through time.
// Forward: xproj = x·W_ihᵀ + b_ih + b_hh for all N packed rows in one matmul ([N,in]×[in,4H]); then per step one
// recurrent matmul (h·W_hhᵀ, [m,H]×[H,4H]) and one fused cell kernel on the step's live rows only.
// Backward: per step the cell backward and one matmul (dz·W_hh); the weight gradients are single matmuls over all
// steps at the end, as cuDNN does: dW_ih = dZᵀ·x, dW_hh = dZᵀ·h_prev, db = Σ dZ.
// On webgpu (H ≤ 256) the whole time loop runs inside one program each way instead: webgpu/direction.ts.
import * as tf from '@tensorflow/tfjs-core';
import { cellForward, cellBackward, cellWantsScaledG } from './cell.ts';
import { previousRows, type DirectionWeights, type PackedLayout } from './packing.ts';
import { useFusedKernels } from '../backend/webgpu/run-program.ts';
import { sequenceBatchFits, supportsSequencePrograms } from './webgpu/sequence-common.ts';
import { lstmDirectionWebGpu } from './webgpu/direction.ts';

interface ForwardTrace {
  out: tf.Tensor2D; // [N, H], packed, time order
  acts: tf.Tensor2D[]; // per step [n_t, 4H] activated gates (kept only for training)
  cs: tf.Tensor2D[]; // per step [n_t, H] cell states (kept only for training)
  tcs: tf.Tensor2D[]; // per step [n_t, H] tanh of the cell states (kept only for training)
}

/** Step order: forward visits t = 0..T-1, reverse T-1..0. The state before step t comes from step t∓1. */
function stepOrder(T: number, reverse: boolean): number[] {
  return Array.from({ length: T }, (_, k) => (reverse ? T - 1 - k : k));
}

function runForward(
  x: tf.Tensor2D,
  w: DirectionWeights,
  layout: PackedLayout,
  reverse: boolean,
  keep: boolean,
): ForwardTrace {
  const { batchSizes, offsets } = layout;
  const T = batchSizes.length;
  // [N, 4H]. Not tf.fused.matMul: on wasm 4.22 it returns wrong values with transposeB plus a bias.
  // Weights are transposed once here: wasm's matMul with transposeB is ~10× slower than with a transposed copy.
  // The split cell wants the g columns doubled (tanh z = 2σ(2z) − 1): scale the weights, not each step's gates.
  const H = w.wHh.shape[1];
  const gScale = cellWantsScaledG() ? tf.concat([tf.ones([2 * H]), tf.fill([H], 2), tf.ones([H])]) : null; // [4H]
  const scaled = (t: tf.Tensor) => (gScale ? tf.mul(t, gScale) : t);
  const xproj = tf.tidy(() =>
    tf.add(tf.matMul(x, scaled(tf.transpose(w.wIh))), scaled(tf.add(w.bIh, w.bHh))),
  ) as tf.Tensor2D;
  const wHhT = tf.tidy(() => scaled(tf.transpose(w.wHh))) as tf.Tensor2D; // [H, 4H]
  gScale?.dispose();
  const hs: tf.Tensor2D[] = new Array(T);
  const acts: tf.Tensor2D[] = new Array(T);
  const cs: tf.Tensor2D[] = new Array(T);
  const tcs: tf.Tensor2D[] = new Array(T);
  let h: tf.Tensor2D | null = null;
  let c: tf.Tensor2D | null = null;
  let m = 0;
  for (const t of stepOrder(T, reverse)) {
    const n = batchSizes[t];
    const hz: tf.Tensor2D = h ? tf.matMul(h, wHhT) : xproj; // [m, 4H]; ignored when there is no state yet
    const [act, cNew, hNew, tc] = cellForward(xproj, hz, c ?? xproj, {
      rowOffset: offsets[t],
      n,
      prevRows: h ? Math.min(m, n) : 0,
    });
    if (h) hz.dispose();
    if (keep) {
      acts[t] = act;
      tcs[t] = tc;
    } else {
      act.dispose();
      tc.dispose();
      c?.dispose();
    }
    cs[t] = cNew;
    hs[t] = hNew;
    h = hNew;
    c = cNew;
    m = n;
  }
  xproj.dispose();
  wHhT.dispose();
  const out = T === 1 ? hs[0] : (tf.concat(hs, 0) as tf.Tensor2D);
  if (T > 1) for (const s of hs) s.dispose();
  if (!keep) c?.dispose();
  return { out, acts, cs, tcs };
}

function runBackward(
  dy: tf.Tensor2D,
  x: tf.Tensor2D,
  w: DirectionWeights,
  out: tf.Tensor2D,
  { acts, cs, tcs }: Omit<ForwardTrace, 'out'>,
  layout: PackedLayout,
  reverse: boolean,
): tf.Tensor[] {
  const { batchSizes, offsets } = layout;
  const T = batchSizes.length;
  const dzs: tf.Tensor2D[] = new Array(T);
  let dhRec: tf.Tensor2D | null = null;
  let dcRec: tf.Tensor2D | null = null;
  let m = 0;
  for (const t of stepOrder(T, reverse).reverse()) {
    const n = batchSizes[t];
    const before = reverse ? t + 1 : t - 1;
    const hasPrev = before >= 0 && before < T;
    const [dz, dcPrev] = cellBackward(dy, dhRec ?? dy, dcRec ?? dy, acts[t], tcs[t], hasPrev ? cs[before] : dy, {
      rowOffset: offsets[t],
      n,
      recRows: dhRec ? Math.min(m, n) : 0,
      prevRows: hasPrev ? Math.min(batchSizes[before], n) : 0,
    });
    dhRec?.dispose();
    dcRec?.dispose();
    dhRec = hasPrev ? (tf.matMul(dz, w.wHh) as tf.Tensor2D) : null; // [n, H]
    dcRec = hasPrev ? dcPrev : null;
    if (!hasPrev) dcPrev.dispose();
    dzs[t] = dz;
    m = n;
  }
  dhRec?.dispose();
  dcRec?.dispose();
  const dZ = T === 1 ? dzs[0] : (tf.concat(dzs, 0) as tf.Tensor2D); // [N, 4H], packed time order
  if (T > 1) for (const d of dzs) d.dispose();
  const dX = tf.matMul(dZ, w.wIh); // [N, in]
  const dB = tf.sum(dZ, 0); // [4H]
  // One transpose, then plain matmuls: wasm's matMul with transposeA is ~20× slower than this.
  const [dWih, dWhh] = tf.tidy(() => {
    const dZT = tf.transpose(dZ); // [4H, N]
    const H = out.shape[1];
    const withZeroRow = tf.concat([out, tf.zeros([1, H])], 0); // row N is the zero state
    const hPrev = tf.gather(withZeroRow, tf.tensor1d(previousRows(layout, reverse), 'int32')); // [N, H]
    return [tf.matMul(dZT, x), tf.matMul(dZT, hPrev)]; // [4H, in], [4H, H]
  });
  dZ.dispose();
  return [dX, dWih, dWhh, dB, dB.clone()];
}

/**
 * x [N, in] packed → the direction's outputs [N, H] packed (reverse: row (t, b) holds the state after reading
 * tokens T_b-1 .. t). Differentiable in x and all four weights.
 */
export function lstmDirection(
  x: tf.Tensor2D,
  w: DirectionWeights,
  layout: PackedLayout,
  reverse: boolean,
  training: boolean,
): tf.Tensor2D {
  const sequenceProgramsFit = supportsSequencePrograms(w.wHh.shape[1]) && sequenceBatchFits(layout.batchSizes[0] ?? 0);
  if (useFusedKernels() && sequenceProgramsFit) return lstmDirectionWebGpu(x, w, layout, reverse, training);
  if (!training) return tf.tidy(() => runForward(x, w, layout, reverse, false).out);
  const T = layout.batchSizes.length;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wIh, wHh, bIh, bHh] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const save = args[5] as tf.GradSaveFunc;
    const weights = { wIh, wHh, bIh, bHh };
    const trace = runForward(xi, weights, layout, reverse, true);
    save([xi, wIh, wHh, bIh, bHh, trace.out, ...trace.acts, ...trace.cs, ...trace.tcs]);
    return {
      value: trace.out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sWih, sWhh, sBih, sBhh, sOut] = saved as tf.Tensor2D[];
        const acts = saved.slice(6, 6 + T) as tf.Tensor2D[];
        const cs = saved.slice(6 + T, 6 + 2 * T) as tf.Tensor2D[];
        const tcs = saved.slice(6 + 2 * T, 6 + 3 * T) as tf.Tensor2D[];
        const sw = { wIh: sWih, wHh: sWhh, bIh: sBih as unknown as tf.Tensor1D, bHh: sBhh as unknown as tf.Tensor1D };
        return runBackward(dy as tf.Tensor2D, sx, sw, sOut, { acts, cs, tcs }, layout, reverse);
      },
    };
  });
  return op(x, w.wIh, w.wHh, w.bIh, w.bHh) as tf.Tensor2D;
}
