// The classifier as a TrainableModel for models/train: logits → cross-entropy (O ≥ 2) or BCE-with-logits (O = 1).
import type * as tf from '@tensorflow/tfjs-core';
import { classificationLoss } from '../train/losses.ts';
import type { TrainableModel } from '../train/train-step.ts';
import { forwardLstm, type LstmBatch, type LstmClassifier } from './model.ts';

export interface LabelledLstmBatch extends LstmBatch {
  /** Class ids [B] (or 0/1 targets when outputDim is 1). */
  labels: ArrayLike<number>;
}

export function lstmTrainable(model: LstmClassifier): TrainableModel<LabelledLstmBatch> {
  return {
    params: model.params,
    loss: (batch, mode): tf.Scalar => classificationLoss(forwardLstm(model, batch, mode), batch.labels),
  };
}
