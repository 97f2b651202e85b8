// The evaluate stage: classification figures checked against counts made here, predictions against the model's
// own logits, the examples in the homework's words, part selection, and no leaked tensors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../models/backend/select.ts';
import { disposeLstm, forwardLstm } from '../../models/lstm/model.ts';
import { readTyped } from '../../stages/artifacts/typed-file.ts';
import { evaluateStage } from '../../stages/evaluate.ts';
import {
  classificationFigures,
  confusionMatrix,
  predictionsFromLogits,
} from '../../stages/classifier/classification-metrics.ts';
import { makeClassifierBatch } from '../../stages/classifier/classifier-batches.ts';
import { readLstmModel } from '../../stages/classifier/model-artifact.ts';
import { makeTestContext } from '../helpers/context.ts';
import { ref, trainedClassifier, type TrainFixture } from './train-fixtures.ts';
import { stageParams } from '../helpers/params.ts';

let fixture: TrainFixture;
let modelDir: string;
before(async () => {
  await selectBackend('wasm');
  ({ fixture, modelDir } = await trainedClassifier());
});

test('binary figures: confusion [[tn, fp], [fn, tp]], precision/recall/F1 of class 1, as counted by hand', () => {
  const actual = [1, 1, 1, 1, 0, 0, 0, 1, 0, 1];
  const predicted = [1, 0, 1, 1, 0, 1, 0, 1, 0, 0];
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0;
  actual.forEach((a, i) => {
    if (a === 1 && predicted[i] === 1) tp++;
    else if (a === 0 && predicted[i] === 1) fp++;
    else if (a === 1) fn++;
    else tn++;
  });
  const f = classificationFigures(actual, predicted, 2);
  assert.deepEqual(f.confusion, [
    [tn, fp],
    [fn, tp],
  ]);
  assert.equal(f.accuracy, (tp + tn) / actual.length);
  assert.equal(f.precision, tp / (tp + fp));
  assert.equal(f.recall, tp / (tp + fn));
  assert.ok(Math.abs(f.f1 - (2 * tp) / (2 * tp + fp + fn)) < 1e-12);
});

test('more classes: macro averages; a class never predicted counts precision 0', () => {
  const actual = [0, 1, 2, 2, 1, 0];
  const predicted = [0, 2, 2, 2, 1, 0];
  const f = classificationFigures(actual, predicted, 3);
  assert.deepEqual(f.confusion, [
    [2, 0, 0],
    [0, 1, 1],
    [0, 0, 2],
  ]);
  assert.equal(f.precision, (1 + 1 + 2 / 3) / 3);
  assert.equal(f.recall, (1 + 1 / 2 + 1) / 3);
  assert.deepEqual(confusionMatrix([1], [0], 2), [
    [0, 0],
    [1, 0],
  ]);
  assert.equal(classificationFigures([0, 0], [0, 0], 2).precision, 0);
});

test('predicted class and probability: softmax over logits, or the sigmoid of one logit', () => {
  const two = predictionsFromLogits(Float32Array.of(0.5, 2, 3, -1), 2);
  assert.deepEqual(Array.from(two.predicted), [1, 0]);
  assert.ok(Math.abs(two.probability[0] - Math.exp(2) / (Math.exp(0.5) + Math.exp(2))) < 1e-6);
  const one = predictionsFromLogits(Float32Array.of(1.5, -0.5), 1);
  assert.deepEqual(Array.from(one.predicted), [1, 0]);
  assert.ok(Math.abs(one.probability[0] - 1 / (1 + Math.exp(-1.5))) < 1e-6);
  assert.ok(Math.abs(one.probability[1] - (1 - 1 / (1 + Math.exp(0.5)))) < 1e-6);
});

test('evaluates the test part: figures from its predictions, examples with text, nothing leaked', async () => {
  const ctx = await makeTestContext();
  const before = tf.memory().numTensors;
  const result = await evaluateStage.run(ctx, stageParams('evaluate', { examples: 3, label_title: 'Sentiment' }), {
    model: ref('model', modelDir, 'train', 'model'),
    data: fixture.tokens,
    texts: fixture.splits,
  });
  assert.equal(tf.memory().numTensors, before, 'no tensor outlives the stage');

  const test = fixture.parts.test;
  const predicted = await readTyped(join(ctx.outDir, 'predictions.i32'), Int32Array);
  const probability = await readTyped(join(ctx.outDir, 'probability.f32'), Float32Array);
  // The model's own logits, row by row, give the same predictions.
  const { model } = await readLstmModel(modelDir);
  const logits = tf.tidy(() =>
    forwardLstm(
      model,
      makeClassifierBatch(
        test.tokens,
        Int32Array.from({ length: test.tokens.rows }, (_, i) => i),
      ),
    ),
  );
  const values = logits.dataSync();
  logits.dispose();
  disposeLstm(model);
  for (let i = 0; i < test.tokens.rows; i++) {
    const [a, b] = [values[2 * i], values[2 * i + 1]];
    assert.equal(predicted[i], b > a ? 1 : 0, `row ${i}`);
    assert.ok(Math.abs(probability[i] - 1 / (1 + Math.exp(-Math.abs(b - a)))) < 1e-5, `row ${i} probability`);
  }

  const labels = test.tokens.labels!;
  assert.deepEqual(
    [...(await readTyped(join(ctx.outDir, 'actual.i32'), Int32Array))],
    [...labels],
    'true class per row',
  );
  const cells = [
    [0, 0],
    [0, 0],
  ];
  labels.forEach((a, i) => cells[a][predicted[i]]++);
  const [[tn, fp], [fn, tp]] = cells;
  const json = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8'));
  assert.deepEqual(json.confusion_matrix, cells);
  assert.deepEqual(json.labels, ['negative', 'positive']);
  assert.equal(json.test_acc, (tp + tn) / labels.length);
  assert.equal(json.test_precision, tp / (tp + fp));
  assert.equal(json.test_recall, tp / (tp + fn));
  assert.ok(Math.abs(json.test_f1 - (2 * tp) / (2 * tp + fp + fn)) < 1e-12);
  assert.deepEqual(result.metrics, {
    test_loss: json.test_loss,
    test_acc: json.test_acc,
    test_precision: json.test_precision,
    test_recall: json.test_recall,
    test_f1: json.test_f1,
    rows: 40,
  });

  assert.equal(json.examples.length, 3);
  const names = ['negative', 'positive'];
  json.examples.forEach(
    (e: { row: number; text: string; actual: string; predicted: string; probability: number }, row: number) => {
      assert.deepEqual(e, {
        row,
        text: test.texts[row],
        actual: names[labels[row]],
        predicted: names[predicted[row]],
        probability: probability[row],
      });
    },
  );
  const summary = result.summary!.join('\n');
  assert.ok(
    summary.includes(
      `Row 0: ${test.texts[0]}\nActual Sentiment: ${names[labels[0]]} / Predicted Sentiment: ${names[predicted[0]]}, Probability: ${probability[0].toFixed(4)}`,
    ),
    summary,
  );
  assert.match(
    summary,
    /^test: loss \d\.\d{4} · accuracy \d\.\d{4} · precision \d\.\d{4} · recall \d\.\d{4} · f1 \d\.\d{4} \(40 rows\)$/m,
  );
});

test('part: valid of a split-shaped input names the figures; a single part names itself', async () => {
  const ctx = await makeTestContext();
  const valid = await evaluateStage.run(ctx, stageParams('evaluate', { part: 'valid', examples: 0 }), {
    model: ref('model', modelDir, 'train', 'model'),
    data: fixture.tokens,
  });
  assert.deepEqual(Object.keys(valid.metrics!), [
    'valid_loss',
    'valid_acc',
    'valid_precision',
    'valid_recall',
    'valid_f1',
    'rows',
  ]);
  const single = await evaluateStage.run(await makeTestContext(), stageParams('evaluate', { examples: 0 }), {
    model: ref('model', modelDir, 'train', 'model'),
    data: ref('tokens', join(fixture.root, 'tokens/valid'), 'tokenize', 'valid'),
  });
  assert.deepEqual(single.metrics, valid.metrics);
});

test('a model of a type evaluate does not know is an error that lists the known ones', async () => {
  const ctx = await makeTestContext({ stageId: 'eval' });
  await writeFile(
    join(ctx.scratchDir, 'config.json'),
    JSON.stringify({ format: 'tfpipe-model/1', model_type: 'mystery' }),
  );
  await assert.rejects(
    evaluateStage.run(ctx, stageParams('evaluate', {}), {
      model: ref('model', ctx.scratchDir, 'train', 'model'),
      data: fixture.tokens,
    }),
    /stage eval: cannot evaluate a mystery model from train \(evaluate knows: lstm-classifier[,)]/,
  );
});
