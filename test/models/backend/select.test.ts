import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackendUnavailableError, selectBackend } from '../../../models/backend/select.ts';
import { findTfjsNode } from '../../../models/backend/tensorflow.ts';
import { takeRows } from '../../../models/train/ops.ts';

test('selectBackend activates cpu and wasm and describes them', async () => {
  const cpu = await selectBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(cpu.device, 'plain JS');
  const wasm = await selectBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(wasm.device, /^(SIMD|no SIMD), \d+ threads?$/);
});

test('selectBackend rejects unknown names with the allowed list', async () => {
  await assert.rejects(selectBackend('webgl'), /unknown backend 'webgl' \(allowed: cpu, wasm, webgpu, tensorflow\)/);
});

test(
  'tensorflow without tfjs-node installed is an error that says what to install',
  { skip: findTfjsNode() ? 'tfjs-node is installed here' : false },
  async () => {
    await assert.rejects(selectBackend('tensorflow'), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.match(
        error.message,
        /backend 'tensorflow' is not available: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/,
      );
      assert.match(error.message, /npm install --no-save @tensorflow\/tfjs-node@4\.22\.0/);
      return true;
    });
  },
);

test('findTfjsNode resolves tfjs-node-gpu before tfjs-node, from the given folder, without loading either', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-tfjs-node-'));
  /** A project folder with fake packages whose entry throws if loaded. */
  const project = async (name: string, packages: [string, string][]) => {
    for (const [pkg, version] of packages) {
      const dir = join(root, name, 'node_modules/@tensorflow', pkg);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({ name: `@tensorflow/${pkg}`, version, main: 'index.js' }),
      );
      await writeFile(join(dir, 'index.js'), 'throw new Error("must not be loaded");');
    }
    return pathToFileURL(join(root, name, 'x.js')).href;
  };
  try {
    const both = await project('both', [
      ['tfjs-node', '4.22.0'],
      ['tfjs-node-gpu', '4.21.0'],
    ]);
    assert.deepEqual(findTfjsNode(both), {
      name: '@tensorflow/tfjs-node-gpu',
      path: join(root, 'both/node_modules/@tensorflow/tfjs-node-gpu/index.js'),
      version: '4.21.0',
    });
    const cpuOnly = await project('cpu-only', [['tfjs-node', '4.22.0']]);
    assert.equal(findTfjsNode(cpuOnly)?.name, '@tensorflow/tfjs-node');
    assert.equal(findTfjsNode(await project('none', [])), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('wasm UnsortedSegmentSum (our JS kernel) equals the cpu kernel, out-of-range ids dropped', async () => {
  const xs = Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i) * 10);
  const ids = [4, 0, 4, 2, -1, 9, 0];
  const results: number[][] = [];
  for (const name of ['cpu', 'wasm'] as const) {
    await selectBackend(name);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(xs, [7, 3]), tf.tensor1d(ids, 'int32'), 5));
    assert.deepEqual(out.shape, [5, 3]);
    results.push(Array.from(out.dataSync()));
    out.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
  results[0].forEach((v, i) => assert.ok(Math.abs(v - results[1][i]) < 1e-5, `${i}: ${v} vs ${results[1][i]}`));
  assert.deepEqual(results[1].slice(3, 6), [0, 0, 0], 'segment 1 received nothing');
});

test('on wasm, the embedding gradient (takeRows, scatter-added by UnsortedSegmentSum) works', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  const w = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const dy = tf.tensor2d([
    [1, 10],
    [2, 20],
    [3, 30],
  ]);
  // tfjs-core's Node build registers no gradients, hence our customGrad op (models/train/ops.ts)
  const grad = tf.grad((t: tf.Tensor) => takeRows(t as tf.Tensor2D, Int32Array.from([2, 0, 2])))(w, dy);
  assert.deepEqual(Array.from(grad.dataSync()), [2, 20, 0, 0, 4, 40]);
  tf.dispose([w, dy, grad]);
  assert.equal(tf.memory().numTensors, before);
});
