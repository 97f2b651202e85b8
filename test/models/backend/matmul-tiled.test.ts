// The tiled WGSL matmul (models/backend/webgpu/matmul/) against tfjs's own webgpu kernels (TFPIPE_FUSED_KERNELS
// off), on every config the tuner may pick (forced through TFPIPE_MATMUL_CONFIG): odd sizes, both transposes,
// batches and a batch broadcast, a K long enough to be blocked, the fused bias and relu, and the two products each
// plain case's backward runs (tfjs-core's Node build registers no gradients; the models' own backward is
// test/models/gpt2/fused-linear.test.ts and the parity suites). All configs
// must give the same bits: each output is one fma chain in k order.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, useBackend } from '../../helpers/backends.ts';
import { CANDIDATES, formatConfig } from '../../../models/backend/webgpu/matmul/config.ts';
import { MATMUL_CONFIG_ENV } from '../../../models/backend/webgpu/matmul/selection.ts';
import { FUSED_KERNELS_FLAG } from '../../../models/backend/webgpu/run-program.ts';

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const tensor = (shape: number[], seed: number) =>
  tf.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

interface Case {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** 'bias': tf.fused.matMul with a bias; 'bias+relu': and relu. */
  fused?: 'bias' | 'bias+relu';
}

const CASES: Case[] = [
  { name: 'odd sizes', a: [37, 53], b: [53, 29], transposeA: false, transposeB: false },
  { name: 'B transposed, batched', a: [3, 37, 53], b: [3, 29, 53], transposeA: false, transposeB: true },
  { name: 'A transposed, batched', a: [2, 53, 37], b: [2, 53, 29], transposeA: true, transposeB: false },
  { name: 'both transposed', a: [53, 37], b: [29, 53], transposeA: true, transposeB: true },
  { name: 'one B for a batch of A', a: [3, 37, 53], b: [1, 53, 29], transposeA: false, transposeB: false },
  { name: 'K in three blocks', a: [5, 1100], b: [1100, 7], transposeA: false, transposeB: false },
  // multiples of 4: vec4 configs read the operands as vec4s
  { name: 'multiples of 4, batched', a: [2, 36, 52], b: [2, 52, 28], transposeA: false, transposeB: false },
  { name: 'multiples of 4, both transposed', a: [52, 36], b: [28, 52], transposeA: true, transposeB: true },
  {
    name: 'multiples of 4, K in three blocks, A transposed',
    a: [1100, 8],
    b: [1100, 12],
    transposeA: true,
    transposeB: false,
  },
  { name: 'fused bias', a: [37, 53], b: [53, 29], transposeA: false, transposeB: false, fused: 'bias' },
  { name: 'fused bias and relu', a: [37, 53], b: [29, 53], transposeA: false, transposeB: true, fused: 'bias+relu' },
];

/**
 * The case's product, and the two products its backward runs for dy = w (for op(a) @ op(b): dy @ op(b)ᵀ and
 * op(a)ᵀ @ dy, as matmuls with the transposes folded in), as flat arrays.
 */
async function run(c: Case): Promise<number[][]> {
  const a = tensor(c.a, 1);
  const b = tensor(c.b, 2);
  const N = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  const bias = tensor([N], 3);
  const product = (x: tf.Tensor, y: tf.Tensor) =>
    c.fused
      ? tf.fused.matMul({
          a: x,
          b: y,
          transposeA: c.transposeA,
          transposeB: c.transposeB,
          bias,
          activation: c.fused === 'bias+relu' ? 'relu' : 'linear',
        })
      : tf.matMul(x, y, c.transposeA, c.transposeB);
  const out = product(a, b);
  const w = tensor(out.shape, 4);
  const grads = c.fused
    ? []
    : [
        c.transposeA ? tf.matMul(b, w, c.transposeB, true) : tf.matMul(w, b, false, !c.transposeB),
        c.transposeB ? tf.matMul(w, a, true, c.transposeA) : tf.matMul(a, w, !c.transposeA, false),
      ];
  const read = await Promise.all([out, ...grads].map(async (t) => Array.from(await t.data())));
  tf.dispose([a, b, bias, out, w, ...grads]);
  return read;
}

function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs tfjs ${expected[i]}`);
  }
}

const webgpu = (await availableBackends()).includes('webgpu');

if (webgpu) {
  describe('tiled matmul on webgpu, every candidate config', () => {
    after(() => {
      delete process.env[MATMUL_CONFIG_ENV];
      tf.env().set(FUSED_KERNELS_FLAG, true);
    });
    for (const c of CASES) {
      it(`${c.name}: ${c.a} @ ${c.b} matches tfjs's kernel, forward and backward, the same bits on every config`, async () => {
        await useBackend('webgpu');
        const before = tf.memory().numTensors;
        tf.env().set(FUSED_KERNELS_FLAG, false);
        const reference = await run(c);
        tf.env().set(FUSED_KERNELS_FLAG, true);
        let first: number[][] | null = null;
        for (const config of CANDIDATES) {
          process.env[MATMUL_CONFIG_ENV] = formatConfig(config);
          const got = await run(c);
          assert.equal(got.length, reference.length);
          ['product', 'da', 'db']
            .slice(0, got.length)
            .forEach((what, i) => assertClose(got[i], reference[i], `${formatConfig(config)} ${what}`));
          if (first === null) first = got;
          else
            assert.deepEqual(
              got,
              first,
              `${formatConfig(config)} gives other bits than ${formatConfig(CANDIDATES[0])}`,
            );
        }
        delete process.env[MATMUL_CONFIG_ENV];
        assert.equal(tf.memory().numTensors, before);
      });
    }
  });
}
