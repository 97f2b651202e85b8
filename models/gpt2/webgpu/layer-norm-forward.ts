// LayerNorm's forward on webgpu as two WGSL programs: the row statistics (mean and rstd of each row, [N, 2]),
// then y = (x − mean)·rstd·gain + bias elementwise. Same maths as ops.ts's tfjs composition: biased variance of the
// centred row, eps inside the rsqrt. The statistics are what the backward keeps (instead of an [N, C] x̂).
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../../backend/webgpu/run-program.ts';
import {
  assertI32Indexable,
  elementwiseProgram,
  rowPreamble,
  rowProgram,
  treeSum,
  workgroupArray,
  WORKGROUP_SIZE,
} from './kernel-shapes.ts';

// X [N, C] → result [N, 2] = (mean, rstd) per row. One workgroup per row: each invocation sums its strided share
// of the row, the tree reduction gives the mean; a second pass over the row (from cache) sums (x − mean)².
const STATS_WGSL = `
    ${workgroupArray('partial')}
    fn main(index : i32) {
      ${rowPreamble('uniforms.rows', 'uniforms.cols')}
      let base = row * uniforms.cols;
      var s = 0.0;
      for (var j = lane; j < end; j += ${WORKGROUP_SIZE}) { s += X[base + j]; }
      partial[lane] = s;
      ${treeSum(['partial'])}
      let mean = partial[0] / f32(uniforms.cols);
      workgroupBarrier(); // every lane has read partial[0] before it is overwritten
      var q = 0.0;
      for (var j = lane; j < end; j += ${WORKGROUP_SIZE}) {
        let d = X[base + j] - mean;
        q += d * d;
      }
      partial[lane] = q;
      ${treeSum(['partial'])}
      if (lane == 0 && row < uniforms.rows) {
        setOutputAtIndex(2 * row, mean);
        setOutputAtIndex(2 * row + 1, inverseSqrt(partial[0] / f32(uniforms.cols) + uniforms.eps));
      }
    }`;

// X [N, C], STATS [N, 2], GAIN [C], BIAS [C] → result [N, C]. One invocation per element.
const APPLY_WGSL = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let row = index / uniforms.cols;
        let col = index - row * uniforms.cols;
        let xhat = (X[index] - STATS[2 * row]) * STATS[2 * row + 1];
        setOutputAtIndex(index, xhat * GAIN[col] + BIAS[col]);
      }
    }`;

/** (mean, rstd) of each row of x [N, C] → [N, 2]; rstd = 1/√(biased variance + eps). */
export function layerNormStats(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  const [N, C] = x.shape;
  assertI32Indexable('layernorm_stats', x.shape);
  const program = rowProgram(
    {
      name: 'layernorm_stats',
      variableNames: ['X'],
      outputShape: [N, 2],
      uniforms: 'rows : i32, cols : i32, eps : f32,',
      userCode: STATS_WGSL,
    },
    N,
  );
  return runProgram(program, [x], 'float32', [
    { type: 'int32', data: [N] },
    { type: 'int32', data: [C] },
    { type: 'float32', data: [eps] },
  ]);
}

/** (x − mean)·rstd·gain + bias: x [N, C], stats [N, 2] from layerNormStats, gain and bias [C] → [N, C]. */
export function layerNormApply(x: tf.Tensor2D, stats: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  const [N, C] = x.shape;
  const program = elementwiseProgram({
    name: 'layernorm_apply',
    variableNames: ['X', 'STATS', 'GAIN', 'BIAS'],
    outputShape: [N, C],
    uniforms: 'cols : i32,',
    userCode: APPLY_WGSL,
  });
  return runProgram(program, [x, stats, gain, bias], 'float32', [{ type: 'int32', data: [C] }]);
}
