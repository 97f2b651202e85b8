// The webgpu backend (Dawn through the `webgpu` package; Mesa's lavapipe in CI): our int32 Transpose, Dawn's
// errors raised as exceptions, and synchronous reads refused with a message that says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../models/backend/select.ts';
import { probeWebGpuAdapter } from '../../../models/backend/webgpu/probe.ts';
import { WebGpuDeviceError } from '../../../models/backend/webgpu/device-errors.ts';

const probe = await probeWebGpuAdapter();
const skip = probe.found ? false : `no WebGPU adapter here: ${probe.reason}`;

/** Distinct int32 values above 2^24, where a detour through f32 would round them. */
function bigInts(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => (1 << 28) + i * 7 + 1);
}

test('selectBackend("webgpu") names the adapter it got', { skip }, async () => {
  const selected = await selectBackend('webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.equal(selected.device, probe.found ? probe.device : '');
});

test(
  'int32 Transpose on webgpu equals the cpu kernel, bit for bit, for ranks 2 to 4 and values above 2^24',
  { skip },
  async () => {
    const cases: [number[], number[]][] = [
      [
        [40, 50],
        [1, 0],
      ],
      [
        [20, 30, 40],
        [0, 2, 1],
      ],
      [
        [20, 30, 40],
        [2, 1, 0],
      ],
      [
        [6, 7, 8, 9],
        [0, 2, 1, 3],
      ],
      [
        [6, 7, 8, 9],
        [3, 1, 2, 0],
      ],
    ];
    const expected: Int32Array[] = [];
    await selectBackend('cpu');
    for (const [shape, perm] of cases) {
      const out = tf.tidy(() => tf.transpose(tf.tensor(bigInts(shape.reduce((a, b) => a * b)), shape, 'int32'), perm));
      expected.push((await out.data()) as Int32Array);
      out.dispose();
    }
    await selectBackend('webgpu');
    const before = tf.memory().numTensors;
    for (const [i, [shape, perm]] of cases.entries()) {
      const out = tf.tidy(() => tf.transpose(tf.tensor(bigInts(shape.reduce((a, b) => a * b)), shape, 'int32'), perm));
      assert.equal(out.dtype, 'int32');
      assert.deepEqual(await out.data(), expected[i], `shape ${shape} perm ${perm}`);
      out.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  },
);

test(
  'a shader Dawn rejects makes the next read throw WebGpuDeviceError with its message; later work is fine',
  { skip },
  async () => {
    await selectBackend('webgpu');
    const backend = tf.backend() as unknown as {
      runWebGPUProgram(p: unknown, inputs: tf.TensorInfo[], dtype: string): tf.TensorInfo;
    };
    const x = tf.fill([2048], 1.5);
    // what tfjs's int32 transpose used to emit: an i32 where setOutputAtIndex takes an f32
    const broken = {
      variableNames: ['A'],
      outputShape: [2048],
      shaderKey: 'tfpipe_test_rejected_shader',
      dispatchLayout: { x: [0] },
      dispatch: [32, 1, 1],
      workgroupSize: [64, 1, 1],
      size: true,
      getUserCode: () =>
        'fn main(index : i32) { if (index < uniforms.size) { setOutputAtIndex(index, i32(A[index])); } }',
    };
    const info = backend.runWebGPUProgram(broken, [x], 'float32');
    const y = tf.engine().makeTensorFromTensorInfo(info);
    await assert.rejects(y.data(), (error: unknown) => {
      assert.ok(error instanceof WebGpuDeviceError);
      assert.match(
        error.message,
        /type mismatch for argument 2 in call to 'setOutputAtIndex', expected 'f32', got 'i32'/,
      );
      return true;
    });
    tf.dispose([x, y]);
    const z = tf.tidy(() => tf.mul(tf.fill([2048], 2), 3));
    assert.deepEqual(Array.from(await z.data()).slice(0, 2), [6, 6], 'the error is reported once, then work goes on');
    z.dispose();
  },
);

test(
  'dataSync of a tensor on the GPU is refused with what to do instead; data on the CPU still reads',
  { skip },
  async () => {
    await selectBackend('webgpu');
    const onGpu = tf.tidy(() => tf.sum(tf.mul(tf.fill([4096], 2), 3)));
    assert.throws(() => onGpu.dataSync(), /synchronous read .* impossible in Node .*await tensor\.data\(\)/);
    assert.deepEqual(Array.from(await onGpu.data()), [24576]);
    const onCpu = tf.tensor1d([1, 2, 3]);
    assert.deepEqual(Array.from(onCpu.dataSync()), [1, 2, 3]);
    tf.dispose([onGpu, onCpu]);
  },
);

test(
  'addN of more tensors than a shader may bind (16, 50) sums them all, on the GPU, leaking nothing',
  { skip },
  async () => {
    await selectBackend('webgpu');
    const handoff = tf.env().get('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD');
    tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0); // run even these small sums on the GPU
    const limit = (tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } })
      .device.limits.maxStorageBuffersPerShaderStage;
    for (const count of [3, 16, 50]) {
      const before = tf.memory().numTensors;
      const terms = Array.from({ length: count }, (_, i) => tf.fill([3000], i + 1));
      const total = tf.addN(terms);
      assert.deepEqual(
        Array.from((await total.data()).slice(0, 3)),
        Array(3).fill((count * (count + 1)) / 2),
        `${count} terms (device binds ${limit})`,
      );
      tf.dispose([total, ...terms]);
      assert.equal(tf.memory().numTensors, before);
    }
    tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', handoff);
  },
);
