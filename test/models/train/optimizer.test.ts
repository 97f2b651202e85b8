// Optimizers: checkpoint/resume is bit-exact, and the torch update rules hold as relations between runs
// (Adam's L2 is "decay added to the gradient", AdamW's is "p·(1 − lr·wd) before the update"); SGD with momentum
// against the recurrence written out in float64. Adam itself is checked against PyTorch in lstm/parity.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import type { OptimizerOptions } from '../../../models/train/optimizer.ts';

const P0 = [0.5, -1.25, 2, 0.1];
const GRADS = [
  [0.3, -0.2, 0.05, 1.5],
  [-0.1, 0.4, 0.2, -0.7],
  [0.25, 0.25, -0.5, 0.1],
  [1, -1, 0.5, 0],
];

/** A variable holding `values` (tf.variable keeps its own reference; the initial tensor is disposed). */
function variableOf(values: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor1d(values)));
}

function run(
  options: OptimizerOptions,
  steps: number[][],
  start = P0,
  transformGrad?: (g: number[], p: number[]) => number[],
): number[] {
  const p = { w: variableOf(start) };
  const opt = createOptimizer(options);
  for (const g of steps) {
    const gv = transformGrad ? transformGrad(g, Array.from(p.w.dataSync())) : g;
    const grad = tf.tensor1d(gv);
    opt.step(p, { w: grad });
    grad.dispose();
  }
  const out = Array.from(p.w.dataSync());
  opt.dispose();
  p.w.dispose();
  return out;
}

for (const options of [
  { name: 'adam', lr: 0.01, weightDecay: 0.1 },
  { name: 'adamw', lr: 0.01 },
  { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
] as OptimizerOptions[]) {
  test(`${options.name}: save → load state resumes bit-exactly, with no tensors left behind`, async () => {
    await selectBackend('cpu');
    const before = tf.memory().numTensors;
    const straight = run(options, GRADS);

    const p = { w: variableOf(P0) };
    const first = createOptimizer(options);
    for (const g of GRADS.slice(0, 2)) tf.tidy(() => first.step(p, { w: tf.tensor1d(g) }));
    const state = await first.saveState();
    first.dispose();
    const resumed = createOptimizer(options);
    resumed.loadState(state);
    for (const g of GRADS.slice(2)) tf.tidy(() => resumed.step(p, { w: tf.tensor1d(g) }));
    assert.deepEqual(Array.from(p.w.dataSync()), straight);
    resumed.dispose();
    p.w.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}

test('adam weight decay is L2 added to the gradient', async () => {
  await selectBackend('cpu');
  const withDecay = run({ name: 'adam', lr: 0.01, weightDecay: 0.1 }, GRADS);
  const byHand = run({ name: 'adam', lr: 0.01 }, GRADS, P0, (g, p) =>
    g.map((v, i) => Math.fround(v + Math.fround(0.1 * p[i]))),
  );
  withDecay.forEach((v, i) => assert.ok(Math.abs(v - byHand[i]) < 1e-7, `${v} vs ${byHand[i]}`));
});

test('adamw decays the weights before the update, independently of the moments', async () => {
  await selectBackend('cpu');
  const lr = 0.01;
  const wd = 0.2;
  const one = run({ name: 'adamw', lr, weightDecay: wd }, GRADS.slice(0, 1));
  const plain = run(
    { name: 'adam', lr },
    GRADS.slice(0, 1),
    P0.map((v) => v * (1 - lr * wd)),
  );
  one.forEach((v, i) => assert.ok(Math.abs(v - plain[i]) < 1e-6, `${v} vs ${plain[i]}`));
  // first Adam step moves each weight by lr·sign(g) (up to eps): |Δ| = lr where g ≠ 0
  const moved = run({ name: 'adam', lr }, GRADS.slice(0, 1));
  moved.forEach((v, i) => assert.ok(Math.abs(Math.abs(v - P0[i]) - lr) < 1e-6));
});

test('sgd with momentum follows torch: b₁ = g₁, bₜ = μ·bₜ₋₁ + gₜ, p −= lr·b', async () => {
  await selectBackend('cpu');
  const got = run({ name: 'sgd', lr: 0.1, momentum: 0.9 }, GRADS);
  const p = [...P0];
  let b: number[] | null = null;
  for (const g of GRADS) {
    b = b ? b.map((v, i) => 0.9 * v + g[i]) : [...g];
    b.forEach((v, i) => (p[i] -= 0.1 * v));
  }
  got.forEach((v, i) => assert.ok(Math.abs(v - p[i]) < 1e-6, `${v} vs ${p[i]}`));
});

test('parameters without a gradient are left alone', async () => {
  await selectBackend('cpu');
  const params = { a: variableOf([1, 2]), b: variableOf([3, 4]) };
  const opt = createOptimizer({ name: 'adam', lr: 0.1 });
  tf.tidy(() => opt.step(params, { a: tf.tensor1d([1, 1]) }));
  assert.deepEqual(Array.from(params.b.dataSync()), [3, 4]);
  assert.deepEqual(Object.keys(await opt.saveState()).sort(), ['exp_avg.a', 'exp_avg_sq.a', 'step.a']);
  opt.dispose();
  tf.dispose(params);
});
