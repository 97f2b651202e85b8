// Batches of a word-level tokens artifact for the LSTM classifier, and inference over a whole part.
import * as tf from '@tensorflow/tfjs-core';
import type { Tokens } from '../artifacts/tokens.ts';
import { forwardLstm, type LabelledLstmBatch, type LstmClassifier } from '../../models/lstm/model.ts';
import { classificationLoss } from '../../models/train/losses.ts';
import { predictedClass } from './classification-metrics.ts';

/**
 * Rows of `tokens` as a batch [B, T], T = the longest of these rows (the packed LSTM reads only each row's first
 * `length` ids, so the trimmed padding changes nothing but the copy size).
 */
export function makeClassifierBatch(tokens: Tokens, rows: ArrayLike<number>): LabelledLstmBatch {
  const B = rows.length;
  let T = 1;
  for (let i = 0; i < B; i++) T = Math.max(T, tokens.lengths[rows[i]]);
  const ids = new Int32Array(B * T);
  const lengths = new Int32Array(B);
  const labels = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const r = rows[i];
    ids.set(tokens.ids.subarray(r * tokens.width, r * tokens.width + T), i * T);
    lengths[i] = tokens.lengths[r];
    labels[i] = tokens.labels ? tokens.labels[r] : 0;
  }
  return { ids, lengths, width: T, labels };
}

/** Correct predictions among `labels.length` rows of logits [B, O] (O = 1: logit > 0 means class 1; else argmax). */
export function countCorrect(logits: ArrayLike<number>, labels: ArrayLike<number>, outputDim: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictedClass(logits, i, outputDim) === labels[i]) correct++;
  return correct;
}

export interface ClassifierPredictions {
  /** rows × O logits, in row order. */
  logits: Float32Array;
  /** Mean loss over the rows (cross-entropy or BCE-with-logits, as in training). */
  loss: number;
  correct: number;
}

export interface PredictOptions {
  batchSize: number;
  signal?: AbortSignal;
  /** After each batch: rows done so far. */
  onBatch?(rowsDone: number): void;
}

/**
 * Inference over every row of `tokens`, in batches of rows of similar length (longest first: fewer LSTM steps per
 * batch than in row order), yielding to the event loop between batches so an abort is seen.
 */
export async function predictClassifier(
  model: LstmClassifier,
  tokens: Tokens,
  options: PredictOptions,
): Promise<ClassifierPredictions> {
  const O = model.config.outputDim;
  const order = Int32Array.from({ length: tokens.rows }, (_, i) => i).sort(
    (a, b) => tokens.lengths[b] - tokens.lengths[a] || a - b,
  );
  const logits = new Float32Array(tokens.rows * O);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < tokens.rows; start += options.batchSize) {
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
    const rows = order.subarray(start, Math.min(tokens.rows, start + options.batchSize));
    const batch = makeClassifierBatch(tokens, rows);
    const [out, loss] = tf.tidy(() => {
      const l = forwardLstm(model, batch);
      return [l, classificationLoss(l, batch.labels)];
    });
    let values: Float32Array;
    try {
      const [logitValues, lossValue] = await Promise.all([out.data(), loss.data()]);
      values = logitValues as Float32Array;
      lossSum += lossValue[0] * rows.length;
    } finally {
      tf.dispose([out, loss]);
    }
    correct += countCorrect(values, batch.labels, O);
    rows.forEach((r, i) => logits.set(values.subarray(i * O, (i + 1) * O), r * O));
    options.onBatch?.(start + rows.length);
  }
  return { logits, loss: tokens.rows > 0 ? lossSum / tokens.rows : NaN, correct };
}

/** Lets other work (an abort, a browser's input events) run between batches: setImmediate in Node, else a task. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}
