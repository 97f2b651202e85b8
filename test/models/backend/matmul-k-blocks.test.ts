// The K-blocked matmul (models/backend/kernels/matmul-k-blocks.ts) on wasm and webgpu, where available: a product
// with K above K_BLOCK is the in-order sum of its blocks' products, bit for bit, and closer to the exact product than
// a one-pass float32 sum; every intermediate is freed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { availableBackends, useBackend } from '../../helpers/backends.ts';
import { K_BLOCK } from '../../../models/backend/kernels/matmul-k-blocks.ts';

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** The product as the blocked kernel should form it, from tf ops: blocks of ⌈K / K_BLOCK⌉ near-equal parts, added in order. */
function blockSum(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  first: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = (x, y) => tf.matMul(x, y),
): tf.Tensor2D {
  return tf.tidy(() => {
    const K = a.shape[1];
    const blocks = Math.ceil(K / K_BLOCK);
    let acc: tf.Tensor2D | null = null;
    for (let i = 0; i < blocks; i++) {
      const k0 = Math.floor((i * K) / blocks);
      const n = Math.floor(((i + 1) * K) / blocks) - k0;
      const aBlock = tf.slice(a, [0, k0], [a.shape[0], n]);
      const bBlock = tf.slice(b, [k0, 0], [n, b.shape[1]]);
      const part: tf.Tensor2D = i === 0 ? first(aBlock, bBlock) : tf.matMul(aBlock, bBlock);
      acc = acc === null ? part : tf.add<tf.Tensor2D>(acc, part);
    }
    return acc!;
  });
}

async function read(t: tf.Tensor): Promise<number[]> {
  const data = Array.from(await t.data());
  t.dispose();
  return data;
}

const blockedBackends = (await availableBackends()).filter((b) => b === 'wasm' || b === 'webgpu');

for (const backend of blockedBackends) {
  describe(`matmul with a long K on ${backend}`, () => {
    it(`adds blocks of at most ${K_BLOCK} products in order (plain, and fused with a bias)`, async () => {
      await useBackend(backend);
      const { numTensors, numDataBuffers } = tf.memory();
      const K = 2 * K_BLOCK + 77;
      const a = tf.tensor2d(values(3 * K, 1), [3, K]);
      const b = tf.tensor2d(values(K * 5, 2), [K, 5]);
      const bias = tf.tensor1d(values(5, 3));
      assert.deepEqual(await read(tf.matMul(a, b)), await read(blockSum(a, b)));
      const fused = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.fused.matMul({ a: x, b: y, bias }) as tf.Tensor2D;
      assert.deepEqual(await read(fused(a, b)), await read(blockSum(a, b, fused)), 'the bias joins the first block');
      if (backend === 'webgpu') {
        // every webgpu program runs K in one pass, so transposed operands are blocked too
        const aT = tf.transpose(a);
        const bT = tf.transpose(b);
        assert.deepEqual(await read(tf.matMul(aT, bT, true, true)), await read(blockSum(a, b)));
        tf.dispose([aT, bT]);
      }
      tf.dispose([a, b, bias]);
      assert.deepEqual(tf.memory().numTensors, numTensors);
      assert.equal(tf.memory().numDataBuffers, numDataBuffers, 'the blocks and partial sums are freed');
    });

    it('is closer to the exact product than a one-pass float32 sum', async () => {
      await useBackend(backend);
      // 288 × 32 outputs: enough 32 × 32 tiles that webgpu picks its one-pass tiled program, not split-K or reduce
      const [M, K, N] = [288, 20000, 32];
      const a = values(M * K, 4).map(Math.abs); // like softmax probabilities: one sign, so a running sum only grows
      const b = values(K * N, 5);
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N])));
      const got = await read(product);
      let blockedError = 0;
      let onePassError = 0;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let exact = 0;
          let onePass = 0;
          for (let k = 0; k < K; k++) {
            exact += a[i * K + k] * b[k * N + j];
            onePass = Math.fround(onePass + Math.fround(a[i * K + k] * b[k * N + j]));
          }
          blockedError = Math.max(blockedError, Math.abs(got[i * N + j] - exact));
          onePassError = Math.max(onePassError, Math.abs(onePass - exact));
        }
      }
      assert.ok(blockedError < onePassError / 4, `blocked ${blockedError} vs one pass ${onePassError}`);
    });
  });
}
