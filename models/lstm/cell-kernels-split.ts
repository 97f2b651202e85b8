// The forward cell split around the backend's own sigmoid, for wasm: V8's Math.exp costs ~17 ns an element,
// wasm's vectorised Sigmoid ~1 ns, so the transcendental work goes to wasm and only arithmetic stays in JS:
//   z  = xproj[rows] + hz            (JS: LstmGateSum)
//   a  = sigmoid(z)                  (wasm)  — the g block was pre-scaled by 2, so tanh(z_g) = 2·a_g − 1
//   act, c, 2c = update(a, cPrev)    (JS: LstmCellUpdate)
//   s  = sigmoid(2c)                 (wasm)  — tanh(c) = 2s − 1
//   h, tanh(c) = output(act, s)      (JS: LstmCellOutput)
import { getKernel, registerKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { makeOutputs, viewData } from '../backend/tensor-data.ts';

export const LSTM_GATE_SUM = 'TfpipeLstmGateSum';
export const LSTM_CELL_UPDATE = 'TfpipeLstmCellUpdate';
export const LSTM_CELL_OUTPUT = 'TfpipeLstmCellOutput';

/** xproj [N,4H], hz [m,4H] → z [n,4H] = xproj rows rowOffset.. + the first prevRows rows of hz (rest zero). */
const gateSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { xproj, hz } = inputs as Record<string, TensorInfo>;
  const { rowOffset, n, prevRows } = attrs as NamedAttrMap & { rowOffset: number; n: number; prevRows: number };
  const G = xproj.shape[1];
  return makeOutputs(backend, [{ shape: [n, G] }], ([z]) => {
    const x = viewData<Float32Array>(backend, xproj);
    z.set(x.subarray(rowOffset * G, (rowOffset + n) * G));
    if (prevRows === 0) return;
    const r = viewData<Float32Array>(backend, hz);
    const count = prevRows * G;
    for (let k = 0; k < count; k++) z[k] += r[k];
  })[0];
};

/** a [n,4H] (σ of i, f, 2g, o), cPrev [m,H] (first prevRows rows valid) → act [n,4H] (i,f,g,o), c [n,H], 2c [n,H]. */
const cellUpdate: KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, cPrev } = inputs as Record<string, TensorInfo>;
  const { prevRows } = attrs as NamedAttrMap & { prevRows: number };
  const [n, G] = a.shape;
  const H = G / 4;
  return makeOutputs(backend, [{ shape: [n, G] }, { shape: [n, H] }, { shape: [n, H] }], ([act, c, c2]) => {
    const s = viewData<Float32Array>(backend, a);
    const cp = prevRows > 0 ? viewData<Float32Array>(backend, cPrev) : null;
    act.set(s);
    for (let row = 0; row < n; row++) {
      const gb = row * G;
      const hb = row * H;
      const hasPrev = row < prevRows;
      for (let j = 0; j < H; j++) {
        const g = 2 * s[gb + 2 * H + j] - 1;
        act[gb + 2 * H + j] = g;
        const cn = s[gb + H + j] * (hasPrev ? cp![hb + j] : 0) + s[gb + j] * g;
        c[hb + j] = cn;
        c2[hb + j] = 2 * cn;
      }
    }
  });
};

/** act [n,4H], s [n,H] = σ(2c) → h [n,H] = o·tanh(c), tanh(c) [n,H]. */
const cellOutput: KernelFunc = ({ inputs, backend }) => {
  const { act, s } = inputs as Record<string, TensorInfo>;
  const [n, G] = act.shape;
  const H = G / 4;
  return makeOutputs(backend, [{ shape: [n, H] }, { shape: [n, H] }], ([h, tanhC]) => {
    const a = viewData<Float32Array>(backend, act);
    const sv = viewData<Float32Array>(backend, s);
    for (let row = 0; row < n; row++) {
      const ob = row * G + 3 * H;
      const hb = row * H;
      for (let j = 0; j < H; j++) {
        const tc = 2 * sv[hb + j] - 1;
        tanhC[hb + j] = tc;
        h[hb + j] = a[ob + j] * tc;
      }
    }
  });
};

/** Idempotent. Registered for wasm only: on cpu the backend's sigmoid is plain JS, so the one fused kernel wins. */
export function registerSplitCellKernels(): void {
  const configs: [string, KernelFunc][] = [
    [LSTM_GATE_SUM, gateSum],
    [LSTM_CELL_UPDATE, cellUpdate],
    [LSTM_CELL_OUTPUT, cellOutput],
  ];
  for (const [kernelName, kernelFunc] of configs) {
    if (!getKernel(kernelName, 'wasm')) registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
