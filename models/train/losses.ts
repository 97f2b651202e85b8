// Classification losses with mean reduction, as torch.nn.functional.cross_entropy and
// binary_cross_entropy_with_logits, each a customGrad (see ops.ts for why) with the closed-form gradient.
import * as tf from '@tensorflow/tfjs-core';

/** logits [B, C] (C ≥ 2), labels [B] class ids → mean of −log softmax(logits)[label]; d/dlogits = (softmax − onehot)/B. */
export function crossEntropy(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
  const [B, C] = logits.shape;
  const op = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as tf.Tensor2D;
    const oneHot = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), C);
    const logProbs = tf.sub(x, tf.logSumExp(x, 1, true)); // [B, C]
    (args[1] as tf.GradSaveFunc)([logProbs, oneHot]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbs))), B) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.mul(tf.sub(tf.exp(saved[0]), saved[1]), tf.div(dy as tf.Tensor, B)),
      ],
    };
  });
  return op(logits) as tf.Scalar;
}

/** logits [B, 1] or [B], targets [B] in [0, 1] → mean of max(x,0) − x·y + log(1 + e^−|x|); d/dx = (σ(x) − y)/B. */
export function bceWithLogits(logits: tf.Tensor, targets: ArrayLike<number>): tf.Scalar {
  const B = logits.size;
  const op = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as tf.Tensor;
    const y = tf.reshape(tf.tensor1d(Array.from(targets), 'float32'), x.shape);
    (args[1] as tf.GradSaveFunc)([x, y]);
    const perItem = tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return {
      value: tf.mean(perItem) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.mul(tf.sub(tf.sigmoid(saved[0]), saved[1]), tf.div(dy as tf.Tensor, B)),
      ],
    };
  });
  return op(logits) as tf.Scalar;
}

/** The seed's rule: one output → BCE-with-logits, more → cross-entropy. */
export function classificationLoss(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
  return logits.shape[1] === 1 ? bceWithLogits(logits, labels) : crossEntropy(logits, labels);
}
