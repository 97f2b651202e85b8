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

export function classificationFigures(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassificationFigures {
  if (actual.length !== predicted.length) throw new Error(`${actual.length} labels but ${predicted.length} predictions`);
  const confusion = confusionMatrix(actual, predicted, classes);
  const correct = confusion.reduce((s, row, k) => s + row[k], 0);
  const accuracy = actual.length === 0 ? 0 : correct / actual.length;
  if (classes === 2) return { accuracy, ...classFigures(confusion, 1), confusion };
  const per = confusion.map((_, k) => classFigures(confusion, k));
  const mean = (key: 'precision' | 'recall' | 'f1') => per.reduce((s, f) => s + f[key], 0) / classes;
  return { accuracy, precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), confusion };
}

/** Each row's predicted class and its probability: softmax over O ≥ 2 logits, or the sigmoid of one. */
export function predictionsFromLogits(logits: Float32Array, outputDim: number): { predicted: Int32Array; probability: Float32Array } {
  const rows = outputDim === 0 ? 0 : logits.length / outputDim;
  const predicted = new Int32Array(rows);
  const probability = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    if (outputDim === 1) {
      const p = 1 / (1 + Math.exp(-logits[i]));
      predicted[i] = logits[i] > 0 ? 1 : 0;
      probability[i] = predicted[i] === 1 ? p : 1 - p;
      continue;
    }
    let best = 0;
    for (let k = 1; k < outputDim; k++) if (logits[i * outputDim + k] > logits[i * outputDim + best]) best = k;
    let total = 0;
    for (let k = 0; k < outputDim; k++) total += Math.exp(logits[i * outputDim + k] - logits[i * outputDim + best]);
    predicted[i] = best;
    probability[i] = 1 / total;
  }
  return { predicted, probability };
}
