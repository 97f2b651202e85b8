// gelu_new (the tanh approximation) on webgpu: forward and backward each one elementwise WGSL program. The
// backward recomputes tanh from x, so the forward keeps nothing but its input.
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../../backend/webgpu/run-program.ts';
import { elementwiseProgram } from './kernel-shapes.ts';

// With z = √(2/π)·(x + 0.044715·x³) and t = tanh(z), the maths needs only 1 + t and 1 − t². Both come from
// e = exp(−2|z|) ∈ (0, 1] without cancellation: with s = 1/(1 + e), 1 + t = 2s (z ≥ 0) or 2e·s (z < 0), and
// 1 − t² = 4e·s². Forming t first (as tfjs's tanh does, (1 − e)/(1 + e)) and adding 1 loses every digit of 1 + t
// below 6e-8 for z < −8, the tail where gelu and its slope are small; exp(−2|z|) never overflows.
const TANH_PARTS = `
    struct TanhParts { onePlusT : f32, oneMinusT2 : f32 };
    fn tanhParts(x : f32) -> TanhParts {
      let z = (x + ((x * x) * x) * 0.044715) * ${Math.sqrt(2 / Math.PI)};
      let e = exp(-2.0 * abs(z));
      let s = 1.0 / (1.0 + e);
      return TanhParts(2.0 * s * select(e, 1.0, z >= 0.0), 4.0 * e * s * s);
    }`;

// X [any] → result [same]: 0.5·x·(1 + t). One invocation per element.
const FORWARD_WGSL = `
    ${TANH_PARTS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let x = X[index];
        setOutputAtIndex(index, (x * 0.5) * tanhParts(x).onePlusT);
      }
    }`;

// DY [any], X [same] → result dx [same]: dy·(0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)).
const BACKWARD_WGSL = `
    ${TANH_PARTS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let x = X[index];
        let t = tanhParts(x);
        let slope = (t.oneMinusT2 * ${Math.sqrt(2 / Math.PI)}) * (1.0 + (x * x) * ${3 * 0.044715});
        setOutputAtIndex(index, DY[index] * (t.onePlusT * 0.5 + (x * 0.5) * slope));
      }
    }`;

/** gelu_new(x), elementwise, any shape. */
export function geluNewForward<T extends tf.Tensor>(x: T): T {
  const program = elementwiseProgram({
    name: 'gelu_new',
    variableNames: ['X'],
    outputShape: x.shape,
    userCode: FORWARD_WGSL,
  });
  return runProgram<T>(program, [x]);
}

/** dy · gelu_new'(x), elementwise; dy and x of one shape. */
export function geluNewBackward<T extends tf.Tensor>(dy: tf.Tensor, x: T): T {
  const program = elementwiseProgram({
    name: 'gelu_new_grad',
    variableNames: ['DY', 'X'],
    outputShape: x.shape,
    userCode: BACKWARD_WGSL,
  });
  return runProgram<T>(program, [dy, x]);
}
