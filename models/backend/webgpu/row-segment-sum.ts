// Row segment sums on webgpu without atomics: out[v, :] = Σ dy[n, :] over the n with rows[n] = v, in ascending n.
// This is the gradient of a row gather (embedding lookups: GPT-2's wte and wpe, the LSTM's embedding). tfjs-backend-
// webgpu's ScatterNd and UnsortedSegmentSum add with float atomics (a compare-and-swap loop), so the order of the
// additions, and with it the last bits of the sums, changes from run to run: training on webgpu was not
// reproducible. Here the row indices are known on the host, so they become a CSR table (each v's positions in
// ascending order) and every output element sums its own segment in that fixed order: the same bits every run,
// and the order the cpu backend's scatter uses.
// (No import of @tensorflow/tfjs-backend-webgpu here: model code imports this file, and that package must not load
// before the navigator.gpu shim — models/backend/select.ts loads it.)
import * as tf from '@tensorflow/tfjs-core';
import { groupsFor, runProgram, type WgslProgram } from './run-program.ts';

const WORKGROUP = 64;

function segmentSumProgram(numRows: number, cols: number): WgslProgram {
  return {
    variableNames: ['DY', 'OFFSETS', 'ORDER'],
    outputShape: [numRows, cols],
    shaderKey: `tfpipe_row_segment_sum_wg${WORKGROUP}`,
    // flat: beyond 65,535 workgroups tfjs reshapes the grid, and `index` stays the global element index
    dispatchLayout: { x: [0, 1] },
    dispatch: [groupsFor(numRows * cols, WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms: 'cols : i32,',
    // one invocation per output element (v, c): the positions of segment v are ORDER[OFFSETS[v] .. OFFSETS[v + 1])
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = index / uniforms.cols;
          let c = index - v * uniforms.cols;
          var sum = 0.0;
          for (var k = OFFSETS[v]; k < OFFSETS[v + 1]; k++) {
            sum += DY[ORDER[k] * uniforms.cols + c];
          }
          setOutputAtIndex(index, sum);
        }
      }
    `,
  };
}

/**
 * The CSR table of `rows`: offsets [numRows + 1] and the positions [count] grouped by row, ascending within a row.
 * Positions whose row is outside [0, numRows) or equals `skipRow` are left out (they add nothing).
 */
export function segmentTable(
  rows: ArrayLike<number>,
  numRows: number,
  skipRow?: number,
): { offsets: Int32Array; order: Int32Array } {
  const counts = new Int32Array(numRows + 1);
  const counted = (r: number) => r >= 0 && r < numRows && r !== skipRow;
  for (let n = 0; n < rows.length; n++) if (counted(rows[n])) counts[rows[n] + 1]++;
  for (let v = 0; v < numRows; v++) counts[v + 1] += counts[v];
  const offsets = counts.slice();
  const next = counts.slice(0, numRows);
  const order = new Int32Array(offsets[numRows]);
  for (let n = 0; n < rows.length; n++) if (counted(rows[n])) order[next[rows[n]]++] = n;
  return { offsets, order };
}

/** dy [N, C] summed into [numRows, C] by `rows` [N] (host-side indices), deterministically; on webgpu only. */
export function rowSegmentSum(
  dy: tf.Tensor2D,
  rows: ArrayLike<number>,
  numRows: number,
  skipRow?: number,
): tf.Tensor2D {
  const [N, C] = dy.shape;
  if (rows.length !== N) throw new Error(`rowSegmentSum: ${rows.length} row indices for ${N} rows of dy`);
  const { offsets, order } = segmentTable(rows, numRows, skipRow);
  return tf.tidy(() => {
    // an empty ORDER buffer cannot be bound: one unused entry keeps it non-empty
    const orderTensor = tf.tensor1d(order.length > 0 ? order : Int32Array.of(0), 'int32');
    return runProgram<tf.Tensor2D>(
      segmentSumProgram(numRows, C),
      [dy, tf.tensor1d(offsets, 'int32'), orderTensor],
      'float32',
      [{ type: 'int32', data: [C] }],
    );
  });
}
