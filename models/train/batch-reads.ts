// Reading per-batch figures (the loss, and sums such as correct predictions) back from the device in groups.
// On a GPU backend every read waits for the queued work to finish, so fitModel keeps each batch's scalars on the
// device and reads a group of batches in one transfer (readEvery batches); on cpu, wasm and tensorflow the values
// already sit in host memory and reading after every batch costs nothing, which keeps progress per batch.
// The values read are exactly the ones a per-batch read would give: the group is a concatenation (a copy) of them.
import * as tf from '@tensorflow/tfjs-core';

/** Backends whose kernels run synchronously: their data is readable as soon as an op returns. */
const SYNCHRONOUS_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** Batches per read on a GPU backend: few enough host syncs, a progress line that still moves. */
export const GPU_READ_EVERY = 16;

/** fitModel's default: read every batch where it is free (synchronous backends), else every GPU_READ_EVERY. */
export function defaultReadEvery(backend: string = tf.getBackend()): number {
  return SYNCHRONOUS_BACKENDS.has(backend) ? 1 : GPU_READ_EVERY;
}

/** One batch's figures while they are still on the device. */
export interface UnreadFigures {
  loss: tf.Scalar;
  /** Host numbers pass through; scalar tensors are read (int32 counts up to 2^24 are exact: the read is float32). */
  sums: Record<string, number | tf.Scalar>;
}

export interface ReadFigures {
  loss: number;
  sums: Record<string, number>;
}

/**
 * Reads every batch's loss and tensor sums in one transfer and disposes those tensors (also when the read fails).
 * Returns the batches in the order given, each with its other fields kept.
 */
export async function readFigures<T extends UnreadFigures>(
  batches: T[],
): Promise<(Omit<T, keyof UnreadFigures> & ReadFigures)[]> {
  const tensors = batches.flatMap((b) => [
    b.loss,
    ...Object.values(b.sums).filter((v): v is tf.Scalar => v instanceof tf.Tensor),
  ]);
  if (tensors.length === 0) return [];
  let flat: tf.Tensor1D | undefined;
  let values: Float32Array;
  try {
    flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(tf.cast(t, 'float32'), [1]))) as tf.Tensor1D);
    values = (await flat.data()) as Float32Array;
  } finally {
    flat?.dispose();
    disposeFigures(batches);
  }
  let at = 0;
  return batches.map(({ loss: _loss, sums, ...rest }) => {
    const loss = values[at++];
    const read = Object.fromEntries(
      Object.entries(sums).map(([k, v]) => [k, v instanceof tf.Tensor ? values[at++] : v]),
    );
    return { ...rest, loss, sums: read };
  });
}

/** Disposes the tensors of figures that will not be read (an aborted or failed run). */
export function disposeFigures(batches: UnreadFigures[]): void {
  for (const b of batches)
    tf.dispose([b.loss, ...Object.values(b.sums).filter((v): v is tf.Scalar => v instanceof tf.Tensor)]);
}
