// Forward of one LSTM layer-direction over all time steps in ONE WebGPU dispatch. Workgroup g owns the sorted rows
// g·ROWS .. g·ROWS+ROWS-1 and walks their steps (forward t = 0..len-1, reverse t = len-1..0); h lives in workgroup
// memory, each (row, unit)'s c in the register of the invocation that owns that cell. Each step:
//   prefetch: each owned cell's 4 xproj values (their global-memory latency hides behind the matvec)
//   phase 1:  z[r][col] = Σ_k h[r][k]·W_hhᵀ[k][col] for the 4H gate columns, each invocation a few columns at
//             once (independent FMA chains); one W_hhᵀ read serves all ROWS rows; neighbouring invocations read
//             neighbouring columns (coalesced). W_hhᵀ stays in global memory (L2/L1): 4H·H floats do not fit in
//             16 KiB of workgroup memory.
//   barrier
//   phase 2:  per owned cell: i, f, g, o; c = f·c + i·g; h = o·tanh(c); h → workgroup memory and the output
//   barrier
// The program has one output, so what the backward needs travels with h in one buffer, "the trace" [N, 6H]: per
// packed row h | i f g o (activated) | c. tanh(c) is recomputed by the backward (one exp per element) rather than
// stored. Layer output = the trace's first H columns (one slice). Without training the output is h alone, [N, H].
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

/** Columns of the trace per packed row: h (H), i f g o (4H), c (H). */
export const TRACE_WIDTH_PER_HIDDEN = 6;

function forwardProgram(N: number, H: number, groups: number, rows: number, keep: boolean): WgslProgram {
  const WG = SEQUENCE_WORKGROUP_SIZE;
  const MAXH = MAX_SEQUENCE_HIDDEN;
  const { columns, cells } = slotCounts(H, rows);
  return {
    variableNames: ['XProj', 'WhhT', 'Steps'],
    outputShape: [N, keep ? TRACE_WIDTH_PER_HIDDEN * H : H],
    shaderKey: `tfpipe_lstm_sequence_forward_wg${WG}_maxh${MAXH}_rows${rows}_cols${columns}_cells${cells}`,
    dispatchLayout: { x: [0] },
    dispatch: [groups, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: 'hidden : i32, steps : i32, batch : i32, reverse : i32, keep : i32,',
    getUserCode: () => `
      ${ACTIVATIONS_WGSL}
      var<workgroup> hs : array<f32, ${rows * MAXH}>;     // [ROWS][H] state h
      var<workgroup> zs : array<f32, ${rows * 4 * MAXH}>; // [ROWS][4H] recurrent gate sums
      var<workgroup> longest : i32;

      fn main(index : i32) {
        ${sequencePrologueWgsl(rows, cells)}
        let stride = select(H, ${TRACE_WIDTH_PER_HIDDEN} * H, uniforms.keep == 1);
        // per cell slot n: its c, packed row and xproj values
        ${unrollSlots(
          cells,
          (n) => `
        var c${n} = 0.0;
        var p${n} = 0;
        var x${n} = vec4<f32>(0.0);`,
        )}
        // column slot n: gate column lid + n·WG, clamped so that every load is in bounds (extra columns are not stored)
        ${unrollSlots(columns, (n) => `let col${n} = min(lid + ${n * WG}, G - 1);`)}
        for (var e = lid; e < ${rows} * H; e += ${WG}) { hs[e] = 0.0; }
        if (lid == 0) { longest = Steps[T + first]; } // rows are sorted by length: the group's first is its longest
        let steps = workgroupUniformLoad(&longest);    // a barrier too: the zeroed h is visible from here on
        for (var s = 0; s < steps; s++) {
          ${unrollSlots(
            cells,
            (n) => `
          if (s < len${n}) {
            p${n} = Steps[select(s, len${n} - 1 - s, uniforms.reverse == 1)] + first + r${n};
            let xb = p${n} * G + j${n};
            x${n} = vec4<f32>(XProj[xb], XProj[xb + H], XProj[xb + 2 * H], XProj[xb + 3 * H]);
          }`,
          )}
          ${unrollSlots(columns, (n) => unrollRows(rows, `var acc${n}_{r} = 0.0;`))}
          for (var k = 0; k < H; k++) {
            ${unrollRows(rows, 'let h{r} = hs[{r} * H + k];')}
            ${unrollSlots(
              columns,
              (n) => `let w${n} = WhhT[k * G + col${n}];
${unrollRows(rows, `acc${n}_{r} = fma(h{r}, w${n}, acc${n}_{r});`)}`,
            )}
          }
          ${unrollSlots(columns, (n) => `if (lid + ${n * WG} < G) { ${unrollRows(rows, `zs[{r} * G + col${n}] = acc${n}_{r};`)} }`)}
          workgroupBarrier();
          ${unrollSlots(
            cells,
            (n) => `
          if (s < len${n}) {
            let zb = r${n} * G + j${n};
            let i = lstmSigmoid(x${n}.x + zs[zb]);
            let f = lstmSigmoid(x${n}.y + zs[zb + H]);
            let g = lstmTanh(x${n}.z + zs[zb + 2 * H]);
            let o = lstmSigmoid(x${n}.w + zs[zb + 3 * H]);
            c${n} = f * c${n} + i * g;
            let h = o * lstmTanh(c${n});
            hs[e${n}] = h;
            let out = p${n} * stride + j${n};
            result[out] = h;
            if (uniforms.keep == 1) {
              result[out + H] = i;
              result[out + 2 * H] = f;
              result[out + 3 * H] = g;
              result[out + 4 * H] = o;
              result[out + 5 * H] = c${n};
            }
          }`,
          )}
          workgroupBarrier();
        }
      }
    `,
  };
}

/**
 * xproj [N, 4H] (x·W_ihᵀ + b_ih + b_hh, packed), wHhT [H, 4H] → the trace [N, 6H] (keep) or h [N, H] (not keep).
 * `rows`: sequences per workgroup (see supportsSequencePrograms).
 */
export function runSequenceForward(
  xproj: tf.Tensor2D,
  wHhT: tf.Tensor2D,
  layout: PackedLayout,
  reverse: boolean,
  keep: boolean,
  rows = DEFAULT_ROWS_PER_GROUP,
): tf.Tensor2D {
  const [N, G] = xproj.shape;
  const H = G / 4;
  if (!supportsSequencePrograms(H, rows))
    throw new Error(
      `runSequenceForward: hidden size ${H} with ${rows} rows per workgroup is beyond the program's limits`,
    );
  if (!sequenceBatchFits(layout.batchSizes[0] ?? 0, rows))
    throw new Error(
      `runSequenceForward: ${layout.batchSizes[0]} sequences at ${rows} per workgroup exceed one dispatch dimension`,
    );
  const B = layout.batchSizes[0];
  const steps = stepTable(layout);
  const program = forwardProgram(N, H, Math.ceil(B / rows), rows, keep);
  const uniforms = intUniforms(H, layout.batchSizes.length, B, reverse ? 1 : 0, keep ? 1 : 0);
  const out = runProgram<tf.Tensor2D>(program, [xproj, wHhT, steps], 'float32', uniforms);
  steps.dispose();
  return out;
}
