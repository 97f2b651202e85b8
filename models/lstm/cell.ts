// One LSTM step on packed rows: the fused kernel where the backend has one (cell-kernels.ts), else the same
// contract composed from standard tf ops (slower: ~12 / ~20 ops a step), for backends added later.
import * as tf from '@tensorflow/tfjs-core';
import {
  LSTM_CELL_FORWARD,
  LSTM_CELL_BACKWARD,
  registerLstmCellKernels,
  type CellForwardAttrs,
  type CellBackwardAttrs,
} from './cell-kernels.ts';

import { LSTM_GATE_SUM, LSTM_CELL_UPDATE, LSTM_CELL_OUTPUT, registerSplitCellKernels } from './cell-kernels-split.ts';

registerLstmCellKernels();
registerSplitCellKernels();

/** tf.env flag: when on, the composite path runs even where a fused kernel exists (to compare the two). */
export const COMPOSITE_CELL_FLAG = 'TFPIPE_COMPOSITE_CELL';
tf.env().registerFlag(COMPOSITE_CELL_FLAG, () => false);

function hasFused(kernelName: string): boolean {
  return !tf.env().getBool(COMPOSITE_CELL_FLAG) && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Whether the forward wants the g-gate columns of xproj and hz pre-scaled by 2 (the split cell computes tanh(z) as
 * 2σ(2z) − 1 with the backend's sigmoid). The layer scales the weights once instead of every step's gates.
 */
export function cellWantsScaledG(): boolean {
  return hasFused(LSTM_GATE_SUM);
}

/**
 * xproj [N,4H], hz [m,4H], cPrev [m,H] → [act [n,4H], c [n,H], h [n,H], tanh(c) [n,H]]. When cellWantsScaledG(),
 * xproj and hz carry 2·z in the g columns.
 */
export function cellForward(
  xproj: tf.Tensor2D,
  hz: tf.Tensor2D,
  cPrev: tf.Tensor2D,
  attrs: CellForwardAttrs,
): tf.Tensor2D[] {
  if (hasFused(LSTM_GATE_SUM)) {
    const run = (name: string, inputs: tf.NamedTensorMap, kernelAttrs: Record<string, number> = {}) =>
      tf.engine().runKernel(name, inputs, kernelAttrs) as unknown as tf.Tensor2D[];
    const z = run(LSTM_GATE_SUM, { xproj, hz }, { ...attrs }) as unknown as tf.Tensor2D;
    const a = tf.sigmoid(z);
    z.dispose();
    const [act, c, c2] = run(LSTM_CELL_UPDATE, { a, cPrev }, { prevRows: attrs.prevRows });
    a.dispose();
    const s = tf.sigmoid(c2);
    c2.dispose();
    const [h, tc] = run(LSTM_CELL_OUTPUT, { act, s });
    s.dispose();
    return [act, c, h, tc];
  }
  if (hasFused(LSTM_CELL_FORWARD)) {
    return tf.engine().runKernel(LSTM_CELL_FORWARD, { xproj, hz, cPrev }, { ...attrs }) as unknown as tf.Tensor2D[];
  }
  return tf.tidy(() => {
    const H = xproj.shape[1] / 4;
    let z = tf.slice(xproj, [attrs.rowOffset, 0], [attrs.n, 4 * H]);
    if (attrs.prevRows > 0) z = tf.add(z, validRows(hz, attrs.prevRows, attrs.n));
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    const [i, f, g, o] = [tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)];
    let c = tf.mul(i, g);
    if (attrs.prevRows > 0) c = tf.add(c, tf.mul(f, validRows(cPrev, attrs.prevRows, attrs.n)));
    const tc = tf.tanh(c);
    return [tf.concat([i, f, g, o], 1), c, tf.mul(o, tc), tc] as tf.Tensor2D[];
  });
}

/** dOut [N,H], dhRec/dcRec [m',H], act [n,4H], tanhC [n,H], cPrev [m,H] → [dz [n,4H], dcPrev [n,H]]. */
export function cellBackward(
  dOut: tf.Tensor2D,
  dhRec: tf.Tensor2D,
  dcRec: tf.Tensor2D,
  act: tf.Tensor2D,
  tanhC: tf.Tensor2D,
  cPrev: tf.Tensor2D,
  attrs: CellBackwardAttrs,
): tf.Tensor2D[] {
  if (hasFused(LSTM_CELL_BACKWARD)) {
    return tf
      .engine()
      .runKernel(
        LSTM_CELL_BACKWARD,
        { dOut, dhRec, dcRec, act, tanhC, cPrev },
        { ...attrs },
      ) as unknown as tf.Tensor2D[];
  }
  return tf.tidy(() => {
    const H = tanhC.shape[1];
    const { n } = attrs;
    let dh: tf.Tensor2D = tf.slice(dOut, [attrs.rowOffset, 0], [n, H]);
    if (attrs.recRows > 0) dh = tf.add(dh, validRows(dhRec, attrs.recRows, n));
    const [i, f, g, o] = tf.split(act, 4, 1);
    const tc = tanhC;
    let dc = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc)));
    if (attrs.recRows > 0) dc = tf.add(dc, validRows(dcRec, attrs.recRows, n));
    const cp = attrs.prevRows > 0 ? validRows(cPrev, attrs.prevRows, n) : tf.zeros([n, H]);
    const sigmoidGrad = (y: tf.Tensor) => tf.mul(y, tf.sub(1, y));
    const dz = tf.concat(
      [
        tf.mul(tf.mul(dc, g), sigmoidGrad(i)),
        tf.mul(tf.mul(dc, cp), sigmoidGrad(f)),
        tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g))),
        tf.mul(tf.mul(dh, tc), sigmoidGrad(o)),
      ],
      1,
    );
    return [dz, tf.mul(dc, f)] as tf.Tensor2D[];
  });
}

/** The first `rows` rows of x, zero-padded (or cut) to n rows. */
function validRows(x: tf.Tensor2D, rows: number, n: number): tf.Tensor2D {
  const kept = rows === x.shape[0] ? x : tf.slice(x, [0, 0], [rows, x.shape[1]]);
  return rows === n
    ? kept
    : tf.pad(kept, [
        [0, n - rows],
        [0, 0],
      ]);
}
