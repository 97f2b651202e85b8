// ROC and precision-recall curves of a binary classifier from per-row scores, as sklearn.metrics computes them
// (roc_curve with drop_intermediate=False, precision_recall_curve), with their areas:
//   roc_auc_score  the trapezoids under (FPR, TPR), thresholds at every distinct score
//   average_precision_score  Σ (Rₙ − Rₙ₋₁) · Pₙ, a step function, not the trapezoid that overrates it
// Rows with equal scores move together (one threshold), so ties give a diagonal step.

export interface CurvePoint {
  x: number;
  y: number;
}

export interface BinaryCurves {
  roc: CurvePoint[];
  rocAuc: number;
  /** x recall, y precision; starts at recall 0, precision 1 as sklearn's does. */
  pr: CurvePoint[];
  averagePrecision: number;
}

/** Undefined when one class is absent (neither curve is defined). */
export function binaryCurves(actual: ArrayLike<number>, score: ArrayLike<number>): BinaryCurves | undefined {
  const n = actual.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += actual[i] === 1 ? 1 : 0;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [{ x: 0, y: 1 }];
  let tp = 0;
  let fp = 0;
  let rocAuc = 0;
  let averagePrecision = 0;
  for (let i = 0; i < n;) {
    const threshold = score[order[i]];
    for (; i < n && score[order[i]] === threshold; i++) actual[order[i]] === 1 ? tp++ : fp++;
    const last = roc[roc.length - 1];
    const point = { x: fp / negatives, y: tp / positives };
    rocAuc += ((point.x - last.x) * (point.y + last.y)) / 2;
    roc.push(point);
    const recall = tp / positives;
    const precision = tp / (tp + fp);
    averagePrecision += (recall - pr[pr.length - 1].x) * precision;
    pr.push({ x: recall, y: precision });
  }
  return { roc, rocAuc, pr, averagePrecision };
}

/** At most `max` points, the first and last kept: a page of 25,000-row curves stays small and draws the same. */
export function thinPoints(points: readonly CurvePoint[], max = 200): CurvePoint[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => points[Math.round(k * step)]);
}
