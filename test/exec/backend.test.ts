// Resolving `auto`: tensorflow if tfjs-node resolves, else webgpu if the machine has a real GPU adapter, else wasm;
// the adapter probe (which loads Dawn) runs once per machine and driver set, later runs read its record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendChoice, resolveBackendName } from '../../runner/exec/backend.ts';
import { UsageError } from '../../runner/commands/io.ts';
import { findTfjsNode } from '../../models/backend/tensorflow.ts';
import { probeRecordPath } from '../../models/backend/webgpu/probe-cache.ts';
import type { AdapterProbe } from '../../models/backend/webgpu/probe.ts';

const H100: AdapterProbe = {
  found: true,
  device: 'nvidia-h100-80gb-hbm3',
  vendor: 'nvidia',
  description: 'NVIDIA H100 80GB HBM3',
  software: false,
};
const LAVAPIPE: AdapterProbe = {
  found: true,
  device: 'llvmpipe (software, on the CPU)',
  vendor: 'mesa',
  description: 'llvmpipe',
  software: true,
};
const NONE: AdapterProbe = { found: false, reason: 'Dawn found no WebGPU adapter' };
const noTfjsNode = () => undefined;

async function withCache(body: (cacheRoot: string) => Promise<void>): Promise<void> {
  const cacheRoot = await mkdtemp(join(tmpdir(), 'tfpipe-backend-'));
  try {
    await body(cacheRoot);
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
}

function countingProbe(result: AdapterProbe) {
  const probe = async () => {
    probe.calls++;
    return result;
  };
  probe.calls = 0;
  return probe;
}

test('an explicit backend is taken as named, without probing', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(H100);
    for (const name of ['cpu', 'wasm', 'webgpu', 'tensorflow']) {
      assert.deepEqual(
        await resolveBackendName(name, { cacheRoot, env: {}, remember: true, probe, findTensorflow: noTfjsNode }),
        { name, reason: 'requested' },
      );
    }
    assert.equal(probe.calls, 0);
  });
});

test('auto takes tensorflow when tfjs-node resolves, without probing for a GPU', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(H100);
    const findTensorflow = () => ({
      name: '@tensorflow/tfjs-node-gpu' as const,
      path: '/x/index.js',
      version: '4.22.0',
    });
    const got = await resolveBackendName('auto', { cacheRoot, env: {}, probe, findTensorflow });
    assert.deepEqual(got, { name: 'tensorflow', reason: 'auto: @tensorflow/tfjs-node-gpu 4.22.0 is installed' });
    assert.equal(probe.calls, 0);
  });
});

test('auto takes webgpu on a real GPU, probing once per machine and reading the record after', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(H100);
    const first = await resolveBackendName('auto', {
      cacheRoot,
      env: {},
      remember: true,
      probe,
      findTensorflow: noTfjsNode,
    });
    assert.deepEqual(first, {
      name: 'webgpu',
      reason: 'auto: no tfjs-node; WebGPU adapter nvidia-h100-80gb-hbm3 (probed)',
    });
    const second = await resolveBackendName('auto', {
      cacheRoot,
      env: {},
      remember: true,
      probe,
      findTensorflow: noTfjsNode,
    });
    assert.equal(second.name, 'webgpu');
    assert.match(second.reason, /remembered probe/);
    assert.equal(probe.calls, 1);
    const record = JSON.parse(await readFile(probeRecordPath(cacheRoot), 'utf8'));
    assert.deepEqual(record.probe, H100);
  });
});

test('a change of GPU driver configuration (VK_ICD_FILENAMES) probes again', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(NONE);
    assert.equal(
      (await resolveBackendName('auto', { cacheRoot, env: {}, remember: true, probe, findTensorflow: noTfjsNode }))
        .name,
      'wasm',
    );
    assert.equal(
      (
        await resolveBackendName('auto', {
          cacheRoot,
          env: { VK_ICD_FILENAMES: '/x/nvidia_icd.json' },
          remember: true,
          probe,
          findTensorflow: noTfjsNode,
        })
      ).name,
      'wasm',
    );
    assert.equal(probe.calls, 2);
  });
});

test('auto passes over a software adapter (lavapipe is slower than wasm) and over no adapter, saying why', async () => {
  await withCache(async (cacheRoot) => {
    const soft = await resolveBackendName('auto', {
      cacheRoot,
      env: {},
      probe: countingProbe(LAVAPIPE),
      findTensorflow: noTfjsNode,
    });
    assert.deepEqual(soft, {
      name: 'wasm',
      reason:
        'auto: no tfjs-node; the only WebGPU adapter is llvmpipe (software, on the CPU), slower than wasm (probed)',
    });
  });
  await withCache(async (cacheRoot) => {
    const none = await resolveBackendName('auto', {
      cacheRoot,
      env: {},
      probe: countingProbe(NONE),
      findTensorflow: noTfjsNode,
    });
    assert.deepEqual(none, { name: 'wasm', reason: 'auto: no tfjs-node; Dawn found no WebGPU adapter (probed)' });
  });
});

test('without remember (status, diff) a probe writes nothing', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(H100);
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await resolveBackendName('auto', { cacheRoot, env: {}, probe, findTensorflow: noTfjsNode })).name,
        'webgpu',
      );
    assert.equal(probe.calls, 2);
    await assert.rejects(readFile(probeRecordPath(cacheRoot), 'utf8'), /ENOENT/);
  });
});

test('a corrupt probe record is replaced by a fresh probe', async () => {
  await withCache(async (cacheRoot) => {
    const probe = countingProbe(H100);
    await resolveBackendName('auto', { cacheRoot, env: {}, remember: true, probe, findTensorflow: noTfjsNode });
    await writeFile(probeRecordPath(cacheRoot), '{not json');
    assert.equal(
      (await resolveBackendName('auto', { cacheRoot, env: {}, remember: true, probe, findTensorflow: noTfjsNode }))
        .name,
      'webgpu',
    );
    assert.equal(probe.calls, 2);
  });
});

test(
  'initialising an unavailable explicit backend is a usage error that says what to install',
  { skip: findTfjsNode() ? 'tfjs-node is installed here' : false },
  async () => {
    await withCache(async (cacheRoot) => {
      const choice = await backendChoice('tensorflow', { cacheRoot, env: {} });
      assert.equal(choice.name, 'tensorflow');
      await assert.rejects(choice.init(), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(
          error.message,
          /backend 'tensorflow' is not available: .*; install @tensorflow\/tfjs-node-gpu@4\.22\.0 \(NVIDIA GPU/,
        );
        return true;
      });
    });
  },
);
