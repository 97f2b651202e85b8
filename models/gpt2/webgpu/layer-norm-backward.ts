// LayerNorm's backward on webgpu: dx as one row program, dgain and dbias as column-sum programs. Each recomputes
// x̂ = (x − mean)·rstd from x and the [N, 2] statistics of layer-norm-forward.ts, so no [N, C] x̂ is kept.
import * as tf from '@tensorflow/tfjs-core';
import { groupsFor, runProgram, type WgslProgram } from '../../backend/webgpu/run-program.ts';
import {
  assertI32Indexable,
  rowPreamble,
  rowProgram,
  treeSum,
  workgroupArray,
  workgroupProgram,
  WORKGROUP_SIZE,
} from './kernel-shapes.ts';

// DY [N, C], X [N, C], STATS [N, 2], GAIN [C] → result dx [N, C]. One workgroup per row:
// dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)), dŷ = dy·gain. Pass 1 sums dŷ and dŷ·x̂ over the row (two tree
// reductions side by side); pass 2 writes the row.
const INPUT_GRAD_WGSL = `
    ${workgroupArray('sumG')}
    ${workgroupArray('sumGX')}
    fn main(index : i32) {
      ${rowPreamble('uniforms.rows', 'uniforms.cols')}
      let base = row * uniforms.cols;
      let stat = 2 * min(row, uniforms.rows - 1); // a surplus workgroup reads row N − 1's and writes nothing
      let mean = STATS[stat];
      let rstd = STATS[stat + 1];
      var g = 0.0;
      var gx = 0.0;
      for (var j = lane; j < end; j += ${WORKGROUP_SIZE}) {
        let dxhat = DY[base + j] * GAIN[j];
        g += dxhat;
        gx += dxhat * ((X[base + j] - mean) * rstd);
      }
      sumG[lane] = g;
      sumGX[lane] = gx;
      ${treeSum(['sumG', 'sumGX'])}
      let meanG = sumG[0] / f32(uniforms.cols);
      let meanGX = sumGX[0] / f32(uniforms.cols);
      for (var j = lane; j < end; j += ${WORKGROUP_SIZE}) {
        let dxhat = DY[base + j] * GAIN[j];
        let xhat = (X[base + j] - mean) * rstd;
        setOutputAtIndex(base + j, ((dxhat - meanG) - xhat * meanGX) * rstd);
      }
    }`;

/**
 * Columns per column-sum workgroup; its WORKGROUP_SIZE / COLUMNS invocations per column stride over the rows.
 * 8 adjacent f32 are one 32-byte memory sector per row, and C = 768 still makes 96 workgroups.
 */
const COLUMNS = 8;
const ROW_LANES = WORKGROUP_SIZE / COLUMNS;

// DY [N, C] (and, weighted, X [N, C] and STATS [N, 2]) → result [C]: Σ_rows dy (dbias) or Σ_rows dy·x̂ (dgain).
// Workgroup w covers columns w·COLUMNS … +COLUMNS; lane = rowLane·COLUMNS + column offset, rows rowLane,
// rowLane + ROW_LANES, …; the tree reduction stops at COLUMNS lanes, one total per column.
function columnSumWgsl(weighted: boolean): string {
  const term = weighted ? 'DY[at] * ((X[at] - STATS[2 * r]) * STATS[2 * r + 1])' : 'DY[at]';
  return `
    ${workgroupArray('partial')}
    fn main(index : i32) {
      let lane = i32(localId.x);
      let col = (index / ${WORKGROUP_SIZE}) * ${COLUMNS} + lane % ${COLUMNS};
      var s = 0.0;
      if (col < uniforms.cols) {
        for (var r = lane / ${COLUMNS}; r < uniforms.rows; r += ${ROW_LANES}) {
          let at = r * uniforms.cols + col;
          s += ${term};
        }
      }
      partial[lane] = s;
      ${treeSum(['partial'], COLUMNS)}
      if (lane < ${COLUMNS} && col < uniforms.cols) { setOutputAtIndex(col, partial[lane]); }
    }`;
}

const COLUMN_SUM_WGSL = columnSumWgsl(false);
const WEIGHTED_COLUMN_SUM_WGSL = columnSumWgsl(true);

function columnSumProgram(name: string, variableNames: string[], [N, C]: number[], userCode: string): WgslProgram {
  assertI32Indexable(name, [N, C]);
  return workgroupProgram(
    { name: `${name}_cols${COLUMNS}`, variableNames, outputShape: [C], uniforms: 'rows : i32, cols : i32,', userCode },
    groupsFor(C, COLUMNS),
  );
}

/** dx [N, C] of LayerNorm from dy [N, C], x [N, C], stats [N, 2] (layerNormStats) and gain [C]. */
export function layerNormInputGrad(dy: tf.Tensor, x: tf.Tensor, stats: tf.Tensor, gain: tf.Tensor): tf.Tensor2D {
  const [N, C] = x.shape;
  const program = rowProgram(
    {
      name: 'layernorm_input_grad',
      variableNames: ['DY', 'X', 'STATS', 'GAIN'],
      outputShape: [N, C],
      uniforms: 'rows : i32, cols : i32,',
      userCode: INPUT_GRAD_WGSL,
    },
    N,
  );
  return runProgram(program, [dy, x, stats, gain], 'float32', [
    { type: 'int32', data: [N] },
    { type: 'int32', data: [C] },
  ]);
}

/** dgain [C] = Σ_rows dy·x̂, x̂ recomputed from x [N, C] and stats [N, 2]. */
export function layerNormGainGrad(dy: tf.Tensor, x: tf.Tensor, stats: tf.Tensor): tf.Tensor1D {
  const [N, C] = x.shape;
  const program = columnSumProgram('layernorm_gain_grad', ['DY', 'X', 'STATS'], [N, C], WEIGHTED_COLUMN_SUM_WGSL);
  return runProgram(program, [dy, x, stats], 'float32', [
    { type: 'int32', data: [N] },
    { type: 'int32', data: [C] },
  ]);
}

/** Σ_rows dy → [C] (LayerNorm's dbias), without the transpose tf.sum(dy, 0) makes on webgpu. */
export function columnSums(dy: tf.Tensor): tf.Tensor1D {
  const [N, C] = dy.shape;
  const program = columnSumProgram('column_sums', ['DY'], [N, C], COLUMN_SUM_WGSL);
  return runProgram(program, [dy], 'float32', [
    { type: 'int32', data: [N] },
    { type: 'int32', data: [C] },
  ]);
}
