// How much memory the active tfjs backend can still give tensors, and a check that refuses a model before any of it
// is allocated, with the figures (needed vs available):
//   cpu, tensorflow  tensors are host ArrayBuffers: the host's available memory (os.freemem, MemAvailable on Linux),
//                    or less under a cgroup limit (process.constrainedMemory), minus what the process already holds;
//   wasm             tensors live in one WebAssembly memory, which tfjs-backend-wasm 4.22 caps at 4 GiB − 64 KiB
//                    (its emscripten glue: getHeapMax() returns 4294901760), less what tensors already hold, and
//                    never more than the host has;
//   webgpu           WebGPU does not tell how much GPU memory there is: the host's memory bounds the upload copies,
//                    and each tensor must fit the device's maxStorageBufferBindingSize / maxBufferSize.
import * as tf from '@tensorflow/tfjs-core';
import { freemem, totalmem } from 'node:os';

/** tfjs-backend-wasm 4.22's heap limit (emscripten's getHeapMax in tf-backend-wasm.node.js). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

export interface MemoryBudget {
  /** Bytes the backend can still allocate for tensors, all together. */
  bytes: number;
  /** The largest single tensor it can hold, when the backend has such a limit. */
  maxTensorBytes?: number;
  /** Where the figure comes from, for the message. */
  source: string;
}

/** What a model will hold, in bytes: `total` all together and its largest single tensor. */
export interface MemoryNeed {
  total: number;
  largestTensor: number;
  /** How `total` is made up, for the message ("124.4M params × 4 bytes × 4 (weights, gradients, AdamW m and v)"). */
  detail: string;
}

/** The active backend's budget; `backend` defaults to tf.getBackend(). */
export function memoryBudget(backend: string = tf.getBackend()): MemoryBudget {
  const host = hostBudget();
  switch (backend) {
    case 'wasm': {
      const heap = WASM_HEAP_MAX_BYTES - tf.memory().numBytes;
      return heap < host.bytes
        ? {
            bytes: heap,
            source: `the wasm heap limit (${formatBytes(WASM_HEAP_MAX_BYTES)}) less ${formatBytes(tf.memory().numBytes)} of tensors`,
          }
        : host;
    }
    case 'webgpu': {
      const limits = (
        tf.backend() as unknown as {
          device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } };
        }
      ).device?.limits;
      const perBuffer = Math.min(limits?.maxStorageBufferBindingSize ?? Infinity, limits?.maxBufferSize ?? Infinity);
      return Number.isFinite(perBuffer)
        ? { ...host, maxTensorBytes: perBuffer, source: `${host.source}; the GPU's memory is not reported by WebGPU` }
        : host;
    }
    default:
      return host;
  }
}

/** Throws, naming `what` and both figures, when `need` cannot fit in `budget`. */
export function assertFits(need: MemoryNeed, budget: MemoryBudget, what: string): void {
  if (need.total > budget.bytes) {
    throw new Error(
      `${what} needs ${formatBytes(need.total)} (${need.detail}), but ${formatBytes(budget.bytes)} is available (${budget.source}); choose a smaller model or a backend with more memory`,
    );
  }
  if (budget.maxTensorBytes !== undefined && need.largestTensor > budget.maxTensorBytes) {
    throw new Error(
      `${what} has a tensor of ${formatBytes(need.largestTensor)}, over the device's largest buffer of ${formatBytes(budget.maxTensorBytes)}; choose a smaller model or another backend`,
    );
  }
}

function hostBudget(): MemoryBudget {
  const available = freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  if (limit > 0 && limit < totalmem()) {
    const left = Math.max(0, limit - process.memoryUsage.rss());
    if (left < available)
      return {
        bytes: left,
        source: `the cgroup memory limit ${formatBytes(limit)} less the ${formatBytes(process.memoryUsage.rss())} this process holds`,
      };
  }
  return { bytes: available, source: `the host's available memory, of ${formatBytes(totalmem())}` };
}

/** 1536 → "1.5 KiB"; binary units, three significant figures. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toPrecision(3)} ${units[unit]}`;
}
