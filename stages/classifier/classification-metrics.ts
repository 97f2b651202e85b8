// Classification figures from actual and predicted class ids, as sklearn.metrics computes them:
// confusion_matrix[actual][predicted]; binary precision / recall / F1 of the positive class (id 1);
// with more classes, their unweighted mean over classes (average='macro'). A zero denominator gives 0 (sklearn's
// zero_division=0).

export interface ClassificationFigures {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** matrix[actual][predicted] counts; binary: [[tn, fp], [fn, tp]]. */
  confusion: number[][];
}

export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) matrix[actual[i]][predicted[i]] += 1;
  return matrix;
}

/** Precision, recall and F1 of class k from a confusion matrix. */
export function classFigures(matrix: number[][], k: number): { precision: number; recall: number; f1: number } {
  const tp = matrix[k][k];
  const predictedK = matrix.reduce((s, row) => s + row[k], 0);
  const actualK = matrix[k].reduce((s, v) => s + v, 0);
  const precision = predictedK === 0 ? 0 : tp / predictedK;
  const recall = actualK === 0 ? 0 : tp / actualK;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

export function classificationFigures(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ClassificationFigures {
  if (actual.length !== predicted.length)
    throw new Error(`${actual.length} labels but ${predicted.length} predictions`);
  const confusion = confusionMatrix(actual, predicted, classes);
  const correct = confusion.reduce((s, row, k) => s + row[k], 0);
  const accuracy = actual.length === 0 ? 0 : correct / actual.length;
  if (classes === 2) return { accuracy, ...classFigures(confusion, 1), confusion };
  const per = confusion.map((_, k) => classFigures(confusion, k));
  const mean = (key: 'precision' | 'recall' | 'f1') => per.reduce((s, f) => s + f[key], 0) / classes;
  return { accuracy, precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), confusion };
}

/** Class of row i of logits [B, O]: the first largest logit (torch.argmax), or logit > 0 for one output. */
export function predictedClass(logits: ArrayLike<number>, i: number, outputDim: number): number {
  if (outputDim === 1) return logits[i] > 0 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < outputDim; k++) if (logits[i * outputDim + k] > logits[i * outputDim + best]) best = k;
  return best;
}

/** Classes a classifier with `outputDim` logits tells apart: one logit (BCE) still names two classes. */
export function classCount(outputDim: number): number {
  return Math.max(2, outputDim);
}

/**
 * Each row's probability of every class, rows × classCount(O): softmax over O ≥ 2 logits, or [1 − p, p] with p the
 * sigmoid of one. Computed in float64 from the float32 logits, stored as float32.
 */
export function classProbabilities(logits: Float32Array, outputDim: number): Float32Array {
  const rows = outputDim === 0 ? 0 : logits.length / outputDim;
  const C = classCount(outputDim);
  const out = new Float32Array(rows * C);
  for (let i = 0; i < rows; i++) {
    if (outputDim === 1) {
      const p = 1 / (1 + Math.exp(-logits[i]));
      out[i * 2] = 1 - p;
      out[i * 2 + 1] = p;
      continue;
    }
    const row = logits.subarray(i * outputDim, (i + 1) * outputDim);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    let total = 0;
    for (let k = 0; k < outputDim; k++) total += Math.exp(row[k] - max);
    for (let k = 0; k < outputDim; k++) out[i * C + k] = Math.exp(row[k] - max) / total;
  }
  return out;
}

/** Each row's predicted class (the first largest logit; one logit: > 0) and that class's probability. */
export function predictionsFromLogits(
  logits: Float32Array,
  outputDim: number,
): { predicted: Int32Array; probability: Float32Array } {
  const rows = outputDim === 0 ? 0 : logits.length / outputDim;
  const C = classCount(outputDim);
  const probabilities = classProbabilities(logits, outputDim);
  const predicted = new Int32Array(rows);
  const probability = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    predicted[i] = predictedClass(logits, i, outputDim);
    probability[i] = probabilities[i * C + predicted[i]];
  }
  return { predicted, probability };
}
