// Fused LSTM cell kernels, in JS on the backend's data (cpu and wasm): one kernel call per step instead of
// ~12 elementwise ops (forward) or ~20 (backward), each with its own dispatch and memory traffic.
// Gate order i, f, g, o (PyTorch). "Valid rows" inputs: only the first `prevRows` / `recRows` rows count, the
// rest are zero — that is how a packed step meets a neighbour step with more or fewer live rows.
import { getKernel, registerKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { makeOutputs, viewData, JS_KERNEL_BACKENDS } from '../backend/tensor-data.ts';

export const LSTM_CELL_FORWARD = 'TfpipeLstmCellForward';
export const LSTM_CELL_BACKWARD = 'TfpipeLstmCellBackward';

export interface CellForwardAttrs {
  /** First packed row of this step in xproj. */
  rowOffset: number;
  /** Live rows this step. */
  n: number;
  /** Rows of hz / cPrev that hold the previous state (0: the state is zero and those inputs are ignored). */
  prevRows: number;
}

export interface CellBackwardAttrs {
  rowOffset: number;
  n: number;
  /** Rows of dhRec / dcRec that carry gradient from the step processed after this one. */
  recRows: number;
  prevRows: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** inputs xproj [N,4H], hz [m,4H], cPrev [m,H] → act [n,4H] (i,f,g,o activated), c [n,H], h [n,H], tanh(c) [n,H]. */
const cellForward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { xproj, hz, cPrev } = inputs as Record<string, TensorInfo>;
  const { rowOffset, n, prevRows } = attrs as NamedAttrMap & CellForwardAttrs;
  const H = xproj.shape[1] / 4;
  const G = 4 * H;
  return makeOutputs(
    backend,
    [{ shape: [n, G] }, { shape: [n, H] }, { shape: [n, H] }, { shape: [n, H] }],
    ([act, c, h, tanhC]) => {
      const x = viewData<Float32Array>(backend, xproj);
      const r = prevRows > 0 ? viewData<Float32Array>(backend, hz) : null;
      const cp = prevRows > 0 ? viewData<Float32Array>(backend, cPrev) : null;
      for (let row = 0; row < n; row++) {
        const xb = (rowOffset + row) * G;
        const gb = row * G;
        const hb = row * H;
        const hasPrev = row < prevRows;
        for (let j = 0; j < H; j++) {
          let zi = x[xb + j],
            zf = x[xb + H + j],
            zg = x[xb + 2 * H + j],
            zo = x[xb + 3 * H + j];
          let cprev = 0;
          if (hasPrev) {
            zi += r![gb + j];
            zf += r![gb + H + j];
            zg += r![gb + 2 * H + j];
            zo += r![gb + 3 * H + j];
            cprev = cp![hb + j];
          }
          const i = sigmoid(zi),
            f = sigmoid(zf),
            g = Math.tanh(zg),
            o = sigmoid(zo);
          const cn = f * cprev + i * g;
          act[gb + j] = i;
          act[gb + H + j] = f;
          act[gb + 2 * H + j] = g;
          act[gb + 3 * H + j] = o;
          const tc = Math.tanh(cn);
          c[hb + j] = cn;
          tanhC[hb + j] = tc;
          h[hb + j] = o * tc;
        }
      }
    },
  );
};

/**
 * inputs dOut [N,H] (the layer output's gradient; this step's rows at rowOffset), dhRec [m',H], dcRec [m',H],
 * act [n,4H], tanhC [n,H] (tanh of this step's cell state), cPrev [m,H] → dz [n,4H] (pre-activation gate
 * gradients), dcPrev [n,H]. No transcendental functions here: they were saved by the forward.
 */
const cellBackward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dOut, dhRec, dcRec, act, tanhC, cPrev } = inputs as Record<string, TensorInfo>;
  const { rowOffset, n, recRows, prevRows } = attrs as NamedAttrMap & CellBackwardAttrs;
  const H = tanhC.shape[1];
  const G = 4 * H;
  return makeOutputs(backend, [{ shape: [n, G] }, { shape: [n, H] }], ([dz, dcPrev]) => {
    const dy = viewData<Float32Array>(backend, dOut);
    const dhr = recRows > 0 ? viewData<Float32Array>(backend, dhRec) : null;
    const dcr = recRows > 0 ? viewData<Float32Array>(backend, dcRec) : null;
    const a = viewData<Float32Array>(backend, act);
    const tcs = viewData<Float32Array>(backend, tanhC);
    const cp = prevRows > 0 ? viewData<Float32Array>(backend, cPrev) : null;
    for (let row = 0; row < n; row++) {
      const yb = (rowOffset + row) * H;
      const gb = row * G;
      const hb = row * H;
      const hasRec = row < recRows;
      const hasPrev = row < prevRows;
      for (let j = 0; j < H; j++) {
        const i = a[gb + j],
          f = a[gb + H + j],
          g = a[gb + 2 * H + j],
          o = a[gb + 3 * H + j];
        const tc = tcs[hb + j];
        const dh = dy[yb + j] + (hasRec ? dhr![hb + j] : 0);
        const dc = (hasRec ? dcr![hb + j] : 0) + dh * o * (1 - tc * tc);
        const cprev = hasPrev ? cp![hb + j] : 0;
        dz[gb + j] = dc * g * i * (1 - i);
        dz[gb + H + j] = dc * cprev * f * (1 - f);
        dz[gb + 2 * H + j] = dc * i * (1 - g * g);
        dz[gb + 3 * H + j] = dh * tc * o * (1 - o);
        dcPrev[hb + j] = dc * f;
      }
    }
  });
};

/** Idempotent; called when the LSTM module loads. Other backends fall back to the composite cell (cell.ts). */
export function registerLstmCellKernels(): void {
  for (const backendName of JS_KERNEL_BACKENDS) {
    if (!getKernel(LSTM_CELL_FORWARD, backendName))
      registerKernel({ kernelName: LSTM_CELL_FORWARD, backendName, kernelFunc: cellForward });
    if (!getKernel(LSTM_CELL_BACKWARD, backendName))
      registerKernel({ kernelName: LSTM_CELL_BACKWARD, backendName, kernelFunc: cellBackward });
  }
}
