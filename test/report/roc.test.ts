// ROC and precision-recall from scores, checked against sklearn's figures for small hand-made cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryCurves, thinPoints } from '../../runner/report/roc.ts';

test('sklearn roc_auc_score and average_precision_score of its doc example', () => {
  // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75; average_precision_score(...) == 0.8333
  const curves = binaryCurves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])!;
  assert.equal(curves.rocAuc, 0.75);
  assert.ok(Math.abs(curves.averagePrecision - 0.8333333) < 1e-6);
  assert.deepEqual(curves.roc, [
    { x: 0, y: 0 },
    { x: 0, y: 0.5 },
    { x: 0.5, y: 0.5 },
    { x: 0.5, y: 1 },
    { x: 1, y: 1 },
  ]);
  assert.deepEqual(curves.pr.at(-1), { x: 1, y: 0.5 });
});

test('tied scores move together: a diagonal step, half credit', () => {
  const curves = binaryCurves([1, 0], [0.5, 0.5])!;
  assert.deepEqual(curves.roc, [
    { x: 0, y: 0 },
    { x: 1, y: 1 },
  ]);
  assert.equal(curves.rocAuc, 0.5);
});

test('one class only: no curve', () => {
  assert.equal(binaryCurves([1, 1, 1], [0.2, 0.5, 0.9]), undefined);
});

test('thinning keeps the ends and at most max points', () => {
  const points = Array.from({ length: 1001 }, (_, i) => ({ x: i / 1000, y: i / 1000 }));
  const thin = thinPoints(points, 50);
  assert.equal(thin.length, 50);
  assert.deepEqual([thin[0], thin.at(-1)], [points[0], points[1000]]);
});
