// Sparse cross-entropy's two [N, V] passes on webgpu (V = 50257 for GPT-2): the log-sum-exp of each row in one
// program, and d logits = (softmax − onehot)·dy/count in one program that writes each element once — no
// [N, V] probabilities, one-hot or ScatterNd. The loss itself (mean of lse − target logit over kept rows) is tiny
// and stays in tf ops (loss.ts).
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../../backend/webgpu/run-program.ts';
import { IGNORE_INDEX } from '../batch.ts';
import {
  assertI32Indexable,
  elementwiseProgram,
  rowPreamble,
  rowProgram,
  workgroupArray,
  WORKGROUP_SIZE,
} from './kernel-shapes.ts';

// X [N, V] → result lse [N]. One workgroup per row, one pass: each invocation keeps a running max m and
// s = Σ exp(x − m) over its strided share of the row (rescaling s when m grows), then the tree reduction merges
// (m, s) pairs: m = max(m₁, m₂), s = s₁·exp(m₁ − m) + s₂·exp(m₂ − m). lse = m + log(s).
// m starts at the lowest finite f32 (not −inf, whose exp(−inf − (−inf)) would be NaN for an idle invocation).
const LOG_SUM_EXP_WGSL = `
    ${workgroupArray('partMax')}
    ${workgroupArray('partSum')}
    fn main(index : i32) {
      ${rowPreamble('uniforms.rows', 'uniforms.cols')}
      let base = row * uniforms.cols;
      var m = bitcast<f32>(0xff7fffffu);
      var s = 0.0;
      for (var j = lane; j < end; j += ${WORKGROUP_SIZE}) {
        let v = X[base + j];
        if (v > m) {
          s = s * exp(m - v) + 1.0;
          m = v;
        } else {
          s += exp(v - m);
        }
      }
      partMax[lane] = m;
      partSum[lane] = s;
      workgroupBarrier();
      for (var k = ${WORKGROUP_SIZE / 2}; k > 0; k >>= 1u) {
        if (lane < k) {
          let m1 = partMax[lane];
          let m2 = partMax[lane + k];
          let mk = max(m1, m2);
          partSum[lane] = partSum[lane] * exp(m1 - mk) + partSum[lane + k] * exp(m2 - mk);
          partMax[lane] = mk;
        }
        workgroupBarrier();
      }
      if (lane == 0 && row < uniforms.rows) { setOutputAtIndex(row, partMax[0] + log(partSum[0])); }
    }`;

// X [N, V], LSE [N], TARGETS [N] (int32, -100 = ignored row), DY [1] → result [N, V]. One invocation per
// element: (exp(x − lse) − [column == target])·dy/count on kept rows, 0 on ignored ones.
const LOGIT_GRAD_WGSL = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let row = index / uniforms.cols;
        let col = index - row * uniforms.cols;
        let wanted = TARGETS[row];
        var g = 0.0;
        if (wanted != ${IGNORE_INDEX}) {
          let p = exp(X[index] - LSE[row]);
          g = (p - select(0.0, 1.0, col == wanted)) * (DY[0] / uniforms.count);
        }
        setOutputAtIndex(index, g);
      }
    }`;

/** log Σ_j exp(logits[n, j]) for each row of logits [N, V] → [N]. */
export function rowLogSumExp(logits: tf.Tensor): tf.Tensor1D {
  const [N, V] = logits.shape;
  assertI32Indexable('row_log_sum_exp', logits.shape);
  const program = rowProgram(
    {
      name: 'row_log_sum_exp',
      variableNames: ['X'],
      outputShape: [N],
      uniforms: 'rows : i32, cols : i32,',
      userCode: LOG_SUM_EXP_WGSL,
    },
    N,
  );
  return runProgram(program, [logits], 'float32', [
    { type: 'int32', data: [N] },
    { type: 'int32', data: [V] },
  ]);
}

/**
 * d loss / d logits [N, V] of mean cross-entropy over the `count` rows whose target (int32 [N]) is not -100, for
 * the loss's incoming gradient dy (a scalar tensor, read on the GPU); lse [N] from rowLogSumExp.
 */
export function crossEntropyLogitGrad(
  dy: tf.Tensor,
  logits: tf.Tensor,
  lse: tf.Tensor,
  targets: tf.Tensor,
  count: number,
): tf.Tensor2D {
  const [N, V] = logits.shape;
  const program = elementwiseProgram({
    name: 'cross_entropy_logit_grad',
    variableNames: ['X', 'LSE', 'TARGETS', 'DY'],
    outputShape: [N, V],
    uniforms: 'cols : i32, count : f32,',
    userCode: LOGIT_GRAD_WGSL,
  });
  return tf.tidy(() =>
    runProgram<tf.Tensor2D>(program, [logits, lse, targets, tf.reshape(dy, [1])], 'float32', [
      { type: 'int32', data: [V] },
      { type: 'float32', data: [count] },
    ]),
  );
}
