// Backend selection: imports the tfjs backend package on demand and makes it the active one.
// A registry, not an if-chain: each backend is an entry that loads it (or says why it cannot) and describes it.
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmExtras } from './kernels/wasm-extras.ts';
import { registerWasmGatherRows } from './kernels/gather-rows.ts';
import { registerMatMulKBlocks } from './kernels/matmul-k-blocks.ts';
import { registerWasmSumF64 } from './kernels/sum-f64.ts';
import { findTfjsNode, tfjsNodeInstallHint } from './tensorflow.ts';
import type { TuneOptions } from './webgpu/matmul/tune.ts';
import { resolveWasmThreadCount, useWasmThreads, wasmThreadsInUse } from './wasm-threads.ts';

export type BackendName = 'cpu' | 'wasm' | 'webgpu' | 'tensorflow';

export interface SelectedBackend {
  name: BackendName;
  /** Where the maths runs, without the backend's name (output reads "wasm (SIMD, 2 threads)"): "SIMD, 2 threads", "nvidia-h100-80gb-hbm3". */
  device: string;
}

/** An explicitly chosen backend that cannot run here: why, and what to install. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
    readonly hint: string,
  ) {
    super(`backend '${backend}' is not available: ${reason}; ${hint}`);
  }
}

export interface SelectOptions {
  /** webgpu: where the matmul tuner remembers its answer, and how it reports that it is timing (tune.ts). */
  matmulTuning?: Omit<TuneOptions, 'adapter'>;
}

interface BackendEntry {
  /** Imports the package (registering its kernels and factory); throws BackendUnavailableError when it can't. */
  load(): Promise<void>;
  /** Runs after tf.setBackend succeeded. */
  activate?(options: SelectOptions): Promise<void>;
  describe(): Promise<string>;
}

const WEBGPU_HINT =
  "webgpu needs a GPU driver Dawn can use: Vulkan on Linux (the NVIDIA or AMD driver; for CPU-only testing Mesa's " +
  'lavapipe, mesa-vulkan-drivers >= 24 from bookworm-backports), Metal on macOS, D3D12 on Windows';

let webgpuDevice = 'webgpu';

const BACKENDS: Record<BackendName, BackendEntry> = {
  cpu: {
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
    },
    describe: async () => 'plain JS',
  },
  wasm: {
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      await useWasmThreads(resolveWasmThreadCount()); // TFPIPE_WASM_THREADS, else every core
      registerWasmExtras();
      registerWasmGatherRows();
      registerMatMulKBlocks('wasm');
      registerWasmSumF64();
    },
    describe: async () => {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = wasmThreadsInUse();
      return `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
    },
  },
  webgpu: {
    load: async () => {
      const { probeWebGpuAdapter } = await import('./webgpu/probe.ts');
      const probe = await probeWebGpuAdapter(); // installs navigator.gpu, which the package checks on import
      if (!probe.found)
        throw new BackendUnavailableError(
          'webgpu',
          probe.reason,
          probe.dawnMissing ? 'run npm ci (webgpu is a dependency of tfpipe)' : WEBGPU_HINT,
        );
      webgpuDevice = probe.device;
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!tf.findBackendFactory('webgpu')) {
        throw new BackendUnavailableError(
          'webgpu',
          '@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed and did not register',
          'import models/backend/select.ts before it',
        );
      }
      const { registerTransposeInt32Fix } = await import('./webgpu/transpose-int32.ts');
      registerTransposeInt32Fix();
      const { registerAddNGroups } = await import('./webgpu/addn-groups.ts');
      registerAddNGroups();
      registerMatMulKBlocks('webgpu');
      const { registerTiledMatMul } = await import('./webgpu/matmul/kernel.ts');
      registerTiledMatMul();
    },
    activate: async (options) => {
      const { guardDeviceErrors } = await import('./webgpu/device-errors.ts');
      guardDeviceErrors(tf.backend() as unknown as Parameters<typeof guardDeviceErrors>[0]);
      const { tuneMatMul } = await import('./webgpu/matmul/tune.ts');
      await tuneMatMul({ adapter: webgpuDevice, ...options.matmulTuning });
    },
    describe: async () => webgpuDevice,
  },
  tensorflow: {
    load: async () => {
      const found = findTfjsNode();
      if (!found)
        throw new BackendUnavailableError(
          'tensorflow',
          'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed',
          tfjsNodeInstallHint(tf.version_core),
        );
      await import(pathToFileURL(found.path).href);
      if (!tf.findBackendFactory('tensorflow')) {
        throw new BackendUnavailableError(
          'tensorflow',
          `${found.name} ${found.version} registered its backend with another copy of @tensorflow/tfjs-core than tfpipe's ${tf.version_core}`,
          tfjsNodeInstallHint(tf.version_core),
        );
      }
    },
    describe: async () => {
      const found = findTfjsNode();
      return `${found?.name} ${found?.version}`;
    },
  },
};

export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

export function isBackendName(name: string): name is BackendName {
  return Object.hasOwn(BACKENDS, name);
}

/** Accepts any string (pipeline files name backends) and rejects unknown ones with the allowed list. */
export async function selectBackend(
  name: BackendName | (string & {}),
  options: SelectOptions = {},
): Promise<SelectedBackend> {
  if (!isBackendName(name)) throw new Error(`unknown backend '${name}' (allowed: ${BACKEND_NAMES.join(', ')})`);
  const entry = BACKENDS[name];
  await entry.load();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend '${name}' failed to initialise (TensorFlow.js printed the cause above)`);
  await tf.ready();
  await entry.activate?.(options);
  return { name, device: await entry.describe() };
}
