// Backprop through time of one LSTM layer-direction in ONE WebGPU dispatch: the pre-activation gate gradients
// dZ [N, 4H] (packed) from the output gradient and the forward's trace. Workgroup g owns the sorted rows
// g·ROWS .. g·ROWS+ROWS-1 and walks their steps in reverse processing order; the dh carried between steps lives in
// workgroup memory, each cell's dc in the register of the invocation that owns the cell. Each step u:
//   phase A: per owned cell: dh = dOut + Σ_q partial_q; dc = dcRec + dh·o·(1 − tanh²c); dz (4 gates) → dZ and
//            workgroup memory; dcRec = dc·f. Then the loads for step u−1 (dOut, gates, c, c_prev) are issued,
//            so their latency hides behind phase B.
//   barrier
//   phase B: partial_q[r][k] = Σ_{m<H} dz[r][qH+m]·W_hh[qH+m][k] for the 4 gate blocks q and every k: 4H items
//            of H terms (not H items of 4H: all invocations work at H = 64..128); coalesced over k. Held in
//            registers, written over dz after a barrier (the two share one workgroup array: 4H floats a row).
//   barrier, store, barrier
// The weight gradients are then big matmuls over all steps (direction.ts), as cuDNN does.
import * as tf from '@tensorflow/tfjs-core';
import { runProgram, type WgslProgram } from '../../backend/webgpu/run-program.ts';
import type { PackedLayout } from '../packing.ts';
import {
  ACTIVATIONS_WGSL,
  DEFAULT_ROWS_PER_GROUP,
  MAX_SEQUENCE_HIDDEN,
  SEQUENCE_WORKGROUP_SIZE,
  intUniforms,
  slotCounts,
  stepTable,
  supportsSequencePrograms,
  unrollRows,
  unrollSlots,
  sequenceBatchFits,
  sequencePrologueWgsl,
} from './sequence-common.ts';
import { TRACE_WIDTH_PER_HIDDEN } from './sequence-forward.ts';

function backwardProgram(N: number, H: number, groups: number, rows: number): WgslProgram {
  const WG = SEQUENCE_WORKGROUP_SIZE;
  const MAXH = MAX_SEQUENCE_HIDDEN;
  const W = TRACE_WIDTH_PER_HIDDEN;
  const { columns, cells } = slotCounts(H, rows);
  // WGSL that loads step `step`'s inputs of every owned cell into its registers (live: whether its row has that step)
  const load = (step: string) => {
    const u = `(${step})`;
    return unrollSlots(
      cells,
      (n) => `
          live${n} = ${u} >= 0 && ${u} < len${n};
          if (live${n}) {
            let t = select(${u}, len${n} - 1 - ${u}, uniforms.reverse == 1);
            p${n} = Steps[t] + first + r${n};
            dy${n} = DOut[p${n} * H + j${n}];
            let tr = p${n} * ${W} * H + j${n};
            a${n} = vec4<f32>(Trace[tr + H], Trace[tr + 2 * H], Trace[tr + 3 * H], Trace[tr + 4 * H]);
            c${n} = Trace[tr + 5 * H];
            cp${n} = 0.0;
            if (${u} > 0) { cp${n} = Trace[(Steps[select(t - 1, t + 1, uniforms.reverse == 1)] + first + r${n}) * ${W} * H + 5 * H + j${n}]; }
          }`,
    );
  };
  return {
    variableNames: ['DOut', 'Trace', 'Whh', 'Steps'],
    outputShape: [N, 4 * H],
    shaderKey: `tfpipe_lstm_sequence_backward_wg${WG}_maxh${MAXH}_rows${rows}_cols${columns}_cells${cells}`,
    dispatchLayout: { x: [0] },
    dispatch: [groups, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: 'hidden : i32, steps : i32, batch : i32, reverse : i32,',
    getUserCode: () => `
      ${ACTIVATIONS_WGSL}
      var<workgroup> buf : array<f32, ${rows * 4 * MAXH}>; // [ROWS][4H]: dh partials by gate block, then this step's dz
      var<workgroup> longest : i32;

      fn main(index : i32) {
        ${sequencePrologueWgsl(rows, cells)}
        // per cell slot n: what its backward step carries and reads
        ${unrollSlots(
          cells,
          (n) => `
        var dc${n} = 0.0; // dc carried from the later step
        var live${n} = false;
        var p${n} = 0;
        var dy${n} = 0.0;
        var a${n} = vec4<f32>(0.0); // i, f, g, o
        var c${n} = 0.0;
        var cp${n} = 0.0;`,
        )}
        // column slot n: item lid + n·WG = (gate block q, unit k), clamped so that every load is in bounds
        ${unrollSlots(
          columns,
          (n) => `
        let col${n} = min(lid + ${n * WG}, G - 1);
        let q${n} = col${n} / H;
        let k${n} = col${n} - q${n} * H;`,
        )}
        for (var e = lid; e < ${rows} * G; e += ${WG}) { buf[e] = 0.0; }
        if (lid == 0) { longest = Steps[T + first]; }
        let steps = workgroupUniformLoad(&longest);
        ${load('steps - 1')}
        for (var u = steps - 1; u >= 0; u--) {
          ${unrollSlots(
            cells,
            (n) => `
          if (live${n}) { // a row joins at its last step; until then its part of buf stays 0
            let zb = r${n} * G + j${n};
            let dh = dy${n} + ((buf[zb] + buf[zb + H]) + (buf[zb + 2 * H] + buf[zb + 3 * H]));
            let i = a${n}.x;
            let f = a${n}.y;
            let g = a${n}.z;
            let o = a${n}.w;
            let tc = lstmTanh(c${n});
            let dc = dc${n} + dh * o * (1.0 - tc * tc);
            let dzi = dc * g * i * (1.0 - i);
            let dzf = dc * cp${n} * f * (1.0 - f);
            let dzg = dc * i * (1.0 - g * g);
            let dzo = dh * tc * o * (1.0 - o);
            let out = p${n} * G + j${n};
            result[out] = dzi;
            result[out + H] = dzf;
            result[out + 2 * H] = dzg;
            result[out + 3 * H] = dzo;
            buf[zb] = dzi;
            buf[zb + H] = dzf;
            buf[zb + 2 * H] = dzg;
            buf[zb + 3 * H] = dzo;
            dc${n} = dc * f;
          }`,
          )}
          ${load('u - 1')}
          workgroupBarrier();
          ${unrollSlots(columns, (n) => unrollRows(rows, `var acc${n}_{r} = 0.0;`))}
          for (var m = 0; m < H; m++) {
            ${unrollSlots(
              columns,
              (n) => `let w${n} = Whh[(q${n} * H + m) * H + k${n}];
${unrollRows(rows, `acc${n}_{r} = fma(buf[{r} * G + q${n} * H + m], w${n}, acc${n}_{r});`)}`,
            )}
          }
          workgroupBarrier();
          ${unrollSlots(columns, (n) => `if (lid + ${n * WG} < G) { ${unrollRows(rows, `buf[{r} * G + col${n}] = acc${n}_{r};`)} }`)}
          workgroupBarrier();
        }
      }
    `,
  };
}

/** dOut [N, H] (the direction's output gradient), trace [N, 6H] (runSequenceForward with keep), wHh [4H, H] → dZ [N, 4H]. */
export function runSequenceBackward(
  dOut: tf.Tensor2D,
  trace: tf.Tensor2D,
  wHh: tf.Tensor2D,
  layout: PackedLayout,
  reverse: boolean,
  rows = DEFAULT_ROWS_PER_GROUP,
): tf.Tensor2D {
  const [N, H] = dOut.shape;
  if (!supportsSequencePrograms(H, rows))
    throw new Error(
      `runSequenceBackward: hidden size ${H} with ${rows} rows per workgroup is beyond the program's limits`,
    );
  if (!sequenceBatchFits(layout.batchSizes[0] ?? 0, rows))
    throw new Error(
      `runSequenceBackward: ${layout.batchSizes[0]} sequences at ${rows} per workgroup exceed one dispatch dimension`,
    );
  const B = layout.batchSizes[0];
  const steps = stepTable(layout);
  const program = backwardProgram(N, H, Math.ceil(B / rows), rows);
  const dZ = runProgram<tf.Tensor2D>(
    program,
    [dOut, trace, wHh, steps],
    'float32',
    intUniforms(H, layout.batchSizes.length, B, reverse ? 1 : 0),
  );
  steps.dispose();
  return dZ;
}
