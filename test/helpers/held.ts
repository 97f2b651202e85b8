// Tensors a test makes, disposed together in its `finally` block (or an `after` hook), so that a failed assertion
// leaks nothing into the tests after it:
//   const keep = heldTensors();
//   try { const logits = keep(forwardGpt2(model, ids).logits); ... } finally { keep.dispose(); }
import * as tf from '@tensorflow/tfjs-core';

/** Keeps a tensor, or an object or array holding tensors (a forward's `{ logits, loss }`), and returns it. */
export type Keep = (<T extends object>(value: T) => T) & { dispose(): void };

export function heldTensors(): Keep {
  let held: tf.TensorContainer[] = [];
  const keep = (<T extends object>(value: T): T => {
    held.push(value as unknown as tf.TensorContainer);
    return value;
  }) as Keep;
  keep.dispose = () => {
    tf.dispose(held);
    held = [];
  };
  return keep;
}
