// Turns the requested backend (auto | cpu | wasm | webgpu | tensorflow) into a BackendChoice for the executor:
// a concrete name now, for compute stages' fingerprints, and TensorFlow.js initialisation later, only if a compute
// stage actually runs.
//
// `auto` must be cheap on a cached rerun (< 2 s all told), yet its answer is in every compute fingerprint, so it
// is decided up front from cheap facts only:
//   1. tensorflow, if @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node resolves (module resolution, no loading);
//   2. webgpu, if this machine has a WebGPU adapter that is a real GPU. Asking loads Dawn and starts the driver,
//      so the answer is kept in <cache>/machine/webgpu-adapter.json, keyed by Dawn's version, the host and the
//      installed GPU drivers: the first run on a machine probes (~0.3 s with lavapipe), later runs read a file
//      (`tfpipe run` writes it; status and diff only read it, so they never create a cache);
//      a software adapter (Mesa's lavapipe, SwiftShader) does not count: it is ~10× slower than wasm;
//   3. wasm otherwise.
import type { BackendChoice } from './backend-choice.ts';
import { UsageError } from '../commands/io.ts';
import type { BackendName } from '../../models/backend/select.ts';
import { findTfjsNode } from '../../models/backend/tensorflow.ts';
import { cachedWebGpuProbe, type ProbeCacheOptions } from '../../models/backend/webgpu/probe-cache.ts';

export interface ResolvedBackend {
  name: BackendName;
  /** Why: "requested", or how auto decided ("no tfjs-node; webgpu adapter nvidia-h100-80gb-hbm3"). */
  reason: string;
}

export interface ResolveOptions {
  /** The cache root, where auto keeps the machine's WebGPU probe. */
  cacheRoot: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Keep a fresh probe's answer in the cache root (`tfpipe run`); status and diff only read it, writing nothing. */
  remember?: boolean;
  /** Injected by tests. */
  probe?: ProbeCacheOptions['probe'];
  findTensorflow?: typeof findTfjsNode;
}

export async function resolveBackendName(requested: string, options: ResolveOptions): Promise<ResolvedBackend> {
  if (requested !== 'auto') return { name: requested as BackendName, reason: 'requested' };
  const tfjsNode = (options.findTensorflow ?? findTfjsNode)();
  if (tfjsNode) return { name: 'tensorflow', reason: `auto: ${tfjsNode.name} ${tfjsNode.version} is installed` };
  const { probe, fromCache } = await cachedWebGpuProbe(options);
  const probed = fromCache ? 'remembered probe' : 'probed';
  if (probe.found && !probe.software)
    return { name: 'webgpu', reason: `auto: no tfjs-node; WebGPU adapter ${probe.device} (${probed})` };
  const why = probe.found ? `the only WebGPU adapter is ${probe.device}, slower than wasm` : probe.reason;
  return { name: 'wasm', reason: `auto: no tfjs-node; ${why} (${probed})` };
}

export async function backendChoice(
  requested: string,
  options: ResolveOptions,
): Promise<BackendChoice & ResolvedBackend> {
  const resolved = await resolveBackendName(requested, options);
  return {
    ...resolved,
    init: async (status) => {
      const { selectBackend, BackendUnavailableError } = await import('../../models/backend/select.ts');
      // TensorFlow.js's own console messages ("Hi, looks like you are running TensorFlow.js in Node.js …") are
      // for its developers: shown with --debug only (cli.ts sets TFPIPE_DEBUG)
      if (!options.env.TFPIPE_DEBUG) (await import('@tensorflow/tfjs-core')).env().set('PROD', true);
      try {
        // webgpu times its matmul configs once per machine and keeps the winners next to the adapter probe
        const matmulTuning = { cacheRoot: options.cacheRoot, env: options.env, ...(status ? { report: status } : {}) };
        return await selectBackend(resolved.name, { matmulTuning });
      } catch (error) {
        // the user's choice (flag, TFPIPE_BACKEND or the file) cannot run here: a usage error with the fix, no stack
        if (error instanceof BackendUnavailableError) throw new UsageError(error.message);
        // a malformed TFPIPE_MATMUL_CONFIG: the message names the variable
        if (error instanceof Error && error.name === 'MatMulConfigError') throw new UsageError(error.message);
        throw error;
      }
    },
  };
}
