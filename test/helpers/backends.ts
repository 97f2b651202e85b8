// The backends the parity suites run on: every one available here. cpu and wasm always; webgpu when Dawn finds
// an adapter (Mesa's lavapipe counts: correct, if slow); tensorflow when tfjs-node is installed. TFPIPE_TEST_BACKENDS
// (comma-separated) narrows the list. What is left out is printed with the reason, never silently.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName, type SelectedBackend } from '../../models/backend/select.ts';
import { findTfjsNode } from '../../models/backend/tensorflow.ts';
import { disposeFigures } from '../../models/train/batch-reads.ts';
import { trainStep, type TrainableModel } from '../../models/train/step.ts';
import type { Optimizer } from '../../models/train/optimizer.ts';

let cached: Promise<BackendName[]> | undefined;

async function detect(): Promise<BackendName[]> {
  const found: BackendName[] = ['cpu', 'wasm'];
  const left: string[] = [];
  const { probeWebGpuAdapter } = await import('../../models/backend/webgpu/probe.ts');
  const probe = await probeWebGpuAdapter();
  if (probe.found) found.push('webgpu');
  else left.push(`webgpu (${probe.reason})`);
  if (findTfjsNode()) found.push('tensorflow');
  else left.push('tensorflow (@tensorflow/tfjs-node(-gpu) not installed)');
  const only = process.env.TFPIPE_TEST_BACKENDS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chosen = only ? found.filter((b) => only.includes(b)) : found;
  if (only) left.push(...found.filter((b) => !only.includes(b)).map((b) => `${b} (not in TFPIPE_TEST_BACKENDS)`));
  if (left.length > 0) console.log(`backends not tested here: ${left.join('; ')}`);
  return chosen;
}

/** Memoised per test process. */
export function availableBackends(): Promise<BackendName[]> {
  cached ??= detect();
  return cached;
}

/**
 * selectBackend, and on webgpu every kernel on the GPU: tfjs-backend-webgpu runs ops whose inputs are all still on
 * the CPU and smaller than WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD (1000) on its CPU kernels, which would leave most of
 * a tiny fixture's maths untested on the GPU.
 */
export async function useBackend(name: BackendName): Promise<SelectedBackend> {
  const selected = await selectBackend(name);
  if (name === 'webgpu') tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0);
  return selected;
}

/**
 * The loss of one models/train trainStep (the step fitModel runs; one batch, no clipping): the call shape the
 * parity suites use. The loss is read asynchronously, so this runs on every backend (webgpu cannot read
 * synchronously in Node). Without dropout in the model the seed changes nothing.
 */
export async function stepLoss<Batch>(
  model: TrainableModel<Batch>,
  batch: Batch,
  optimizer: Optimizer,
  seed = 1,
): Promise<number> {
  const [figures] = trainStep(model, [{ batch, seed }], optimizer);
  try {
    return (await figures.loss.data())[0];
  } finally {
    disposeFigures([figures]);
  }
}
