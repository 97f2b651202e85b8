// The classifier as models/train trains it (the train stage, the parity tests and the benches alike): its
// parameters, and per batch the loss (cross-entropy for O ≥ 2, BCE-with-logits for O = 1), the row count and the
// correct predictions, counted on the device so that a step never waits for a read.
import * as tf from '@tensorflow/tfjs-core';
import { classificationLoss } from '../train/losses.ts';
import type { TrainableModel } from '../train/step.ts';
import { forwardLstm, type LabelledLstmBatch, type LstmClassifier } from './model.ts';

export function lstmTrainable(model: LstmClassifier): TrainableModel<LabelledLstmBatch> {
  return {
    params: model.params,
    lossAndMetrics: (batch, mode) => {
      const logits = forwardLstm(model, batch, mode);
      return {
        loss: classificationLoss(logits, batch.labels),
        count: batch.lengths.length,
        sums: { acc: countCorrectOnDevice(logits, batch.labels, model.config.outputDim) },
      };
    },
  };
}

/**
 * Correct predictions among the rows of logits [B, O] → int32 scalar, on the device (O = 1: logit > 0 means
 * class 1; else tf.argMax, which takes the first largest, as torch.argmax and the host-side predictedClass).
 */
export function countCorrectOnDevice(logits: tf.Tensor, labels: ArrayLike<number>, outputDim: number): tf.Scalar {
  return tf.tidy(() => {
    const predicted =
      outputDim === 1 ? tf.cast(tf.greater(tf.reshape(logits, [-1]), 0), 'int32') : tf.argMax(logits, 1);
    return tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(Array.from(labels), 'int32')), 'int32')) as tf.Scalar;
  });
}
