// Waiting for the GPU: tfjs-backend-webgpu records programs into a compute pass and submits lazily; timing a
// kernel needs the pass ended, the queue submitted, and the device's word that it has run.
import * as tf from '@tensorflow/tfjs-core';

interface QueueingBackend {
  endComputePassEncoder?(): void;
  submitQueue?(): void;
  device?: { queue: { onSubmittedWorkDone(): Promise<void> } };
}

/** Resolves when the active webgpu backend has run everything queued so far. */
export async function settleGpu(): Promise<void> {
  const backend = tf.backend() as unknown as QueueingBackend;
  backend.endComputePassEncoder?.();
  backend.submitQueue?.();
  await backend.device?.queue.onSubmittedWorkDone();
}
