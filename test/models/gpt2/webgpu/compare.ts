// Shared by the fused-kernel tests: whether webgpu is here (else the skip reason), seeded inputs, running one
// computation on a backend and reading its tensors back, and the closeness check.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../../../models/backend/select.ts';
import { probeWebGpuAdapter } from '../../../../models/backend/webgpu/probe.ts';
import { useBackend } from '../../../helpers/backends.ts';

const probe = await probeWebGpuAdapter();

/** `false` when webgpu is here, else the reason the tests skip (node:test prints it). */
export const skipWithoutWebGpu: false | string = probe.found ? false : `no WebGPU adapter here: ${probe.reason}`;

/** n values, uniform in [offset − scale, offset + scale), from a seeded generator (mulberry32). */
export function seeded(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = offset + scale * (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1);
  }
  return out;
}

/**
 * Runs `compute` (tensors in, tensors out, inside a tidy) on `backend` and reads every output back; asserts the
 * engine holds as many tensors afterwards as before.
 */
export async function runOn(backend: BackendName, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(compute);
  const values = await Promise.all(outputs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outputs);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors left behind`);
  return values;
}

/** The fused path (webgpu) and the tfjs composition (cpu) of one computation, outputs side by side. */
export async function fusedAndReference(
  compute: () => tf.Tensor[],
): Promise<{ fused: Float32Array[]; reference: Float32Array[] }> {
  const reference = await runOn('cpu', compute);
  const fused = await runOn('webgpu', compute);
  return { fused, reference };
}

export interface Tolerance {
  /** Relative error allowed (default 1e-5)… */
  rtol?: number;
  /** …relative to max(|expected element|, floor × the largest |expected|) (default floor 0.05): near zero,
   * cancellation leaves absolute errors at the scale of the inputs, meaningless as relative errors. */
  floor?: number;
  /** Absolute error allowed on top (default 0). */
  atol?: number;
}

/**
 * Every element of `actual` within the tolerance of `expected` (a number: rtol); the message names the worst
 * element.
 */
export function assertClose(
  actual: Float32Array,
  expected: ArrayLike<number>,
  label: string,
  tolerance: Tolerance | number = {},
): void {
  const { rtol = 1e-5, floor = 0.05, atol = 0 } = typeof tolerance === 'number' ? { rtol: tolerance } : tolerance;
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = -1;
  let worstError = 0;
  for (let i = 0; i < expected.length; i++) {
    const error =
      Math.max(0, Math.abs(actual[i] - expected[i]) - atol) / Math.max(Math.abs(expected[i]), floor * scale, 1e-30);
    if (Number.isNaN(error)) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    if (error > worstError) {
      worst = i;
      worstError = error;
    }
  }
  assert.ok(
    worst < 0 || worstError <= rtol,
    `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (relative error ${worstError.toExponential(2)} > ${rtol})`,
  );
}
