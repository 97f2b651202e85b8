// gelu_new (the tanh approximation) on webgpu: forward and backward each one elementwise WGSL program. The
// backward recomputes tanh from x, so the forward keeps nothing but its input.
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../../backend/webgpu/run-program.ts';
import { elementwiseProgram } from './kernel-shapes.ts';
import { TANH_PARTS } from '../../backend/webgpu/matmul/gelu-new-wgsl.ts';

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
