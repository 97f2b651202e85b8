// The predict stage: a classifier's labels and class probabilities for raw texts equal evaluate's on the tokens
// the tokenize stage makes of the same texts (the model's own tokenizer reproduces them); a GPT-2 artifact's
// continuation is Hugging Face's greedy continuation of the reference checkpoint; no tensor outlives a run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parse } from 'csv-parse/sync';
import { selectBackend } from '../../models/backend/select.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { decodeGpt2 } from '../../models/tokenizer/gpt2-bpe.ts';
import { writeDataset } from '../../stages/artifacts/dataset.ts';
import { readTyped } from '../../stages/artifacts/typed-file.ts';
import { evaluateStage } from '../../stages/evaluate.ts';
import { writeGpt2Artifact } from '../../stages/lm/model-artifact.ts';
import { predictStage, type PredictParams } from '../../stages/predict.ts';
import { makeTestContext } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';
import { forwardCases, greedyNewTokens, TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { LABEL_NAMES, ref, trainedClassifier, type TrainFixture } from './train-fixtures.ts';

const params = (extra: Partial<PredictParams>): PredictParams =>
  stageParams<PredictParams>('predict', extra, ['model']);

let fixture: TrainFixture;
let modelDir: string;
before(async () => {
  await selectBackend('wasm');
  ({ fixture, modelDir } = await trainedClassifier());
});

interface CsvRow {
  text: string;
  label: string;
  [prob: string]: string;
}

test('classifier: each text gets the label and probability evaluate gives its tokenized row; rows sum to 1', async () => {
  const test = fixture.parts.test;
  const evaluated = await makeTestContext();
  await evaluateStage.run(evaluated, stageParams('evaluate', { examples: 0 }), {
    model: ref('model', modelDir, 'train', 'model'),
    data: fixture.tokens,
  });
  const predicted = await readTyped(join(evaluated.outDir, 'predictions.i32'), Int32Array);
  const probability = await readTyped(join(evaluated.outDir, 'probability.f32'), Float32Array);

  const ctx = await makeTestContext({ stageId: 'predict' });
  const before = tf.memory().numTensors;
  const result = await predictStage.run(ctx, params({ texts: test.texts, shown: 2 }), {
    model: ref('model', modelDir, 'train', 'model'),
  });
  assert.equal(tf.memory().numTensors, before, 'no tensor outlives the stage');

  const rows = parse(await readFile(join(ctx.outDir, 'predictions.csv'), 'utf8'), { columns: true }) as CsvRow[];
  assert.deepEqual(Object.keys(rows[0]), ['text', 'label', ...LABEL_NAMES.map((n) => `prob_${n}`)]);
  assert.equal(rows.length, test.texts.length);
  rows.forEach((row, i) => {
    assert.equal(row.text, test.texts[i]);
    assert.equal(row.label, LABEL_NAMES[predicted[i]], `row ${i}: the label evaluate predicts`);
    const probs = LABEL_NAMES.map((n) => Number(row[`prob_${n}`]));
    assert.equal(probs[predicted[i]], probability[i], `row ${i}: the probability evaluate gives, to the bit`);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${i}: probabilities sum to 1`);
  });
  const counts = LABEL_NAMES.map((_, k) => predicted.filter((p) => p === k).length);
  assert.deepEqual(result.metrics, {
    rows: rows.length,
    ...Object.fromEntries(LABEL_NAMES.map((n, k) => [`predicted_${n}`, counts[k]])),
  });
  assert.equal(result.summary!.length, 3, 'two predictions shown, then how many more');
  assert.match(
    result.summary![0],
    new RegExp(
      `^${rows[0].label} \\(negative \\d\\.\\d{4}, positive \\d\\.\\d{4}\\): ${JSON.stringify(rows[0].text)}$`,
    ),
  );
  assert.equal(result.summary![2], `… ${rows.length - 2} more in predictions.csv`);
});

test('classifier: texts from a dataset input, labels or not, give the same predictions as the same texts listed', async () => {
  const texts = fixture.parts.valid.texts;
  const dir = join((await makeTestContext()).scratchDir, 'dataset');
  await mkdir(dir);
  await writeDataset(dir, { texts, labels: null, labelNames: [] });
  const fromInput = await makeTestContext();
  await predictStage.run(fromInput, params({}), {
    model: ref('model', modelDir, 'train', 'model'),
    input: ref('dataset', dir, 'load', 'dataset'),
  });
  const listed = await makeTestContext();
  await predictStage.run(listed, params({ texts }), { model: ref('model', modelDir, 'train', 'model') });
  assert.equal(
    await readFile(join(fromInput.outDir, 'predictions.csv'), 'utf8'),
    await readFile(join(listed.outDir, 'predictions.csv'), 'utf8'),
  );
});

test('classifier: a text whose words are all unknown or gone is still predicted (as one unk), as tokenize does', async () => {
  const ctx = await makeTestContext();
  await predictStage.run(ctx, params({ texts: ['', '!!! ???', 'Zebra!'] }), {
    model: ref('model', modelDir, 'train', 'model'),
  });
  const rows = parse(await readFile(join(ctx.outDir, 'predictions.csv'), 'utf8'), { columns: true }) as CsvRow[];
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], { ...rows[1], text: rows[0].text }, 'no word left: the same single-unk row');
  assert.deepEqual(rows[2], { ...rows[1], text: rows[2].text }, 'an unknown word maps to unk: the same single-unk row');
});

test('language model: the continuation is Hugging Face greedy decoding of the reference checkpoint', async () => {
  const cases = forwardCases();
  const model = await loadGpt2(TINY_GPT2);
  const artifact = join((await makeTestContext()).scratchDir, 'model');
  try {
    await writeGpt2Artifact(artifact, model);
  } finally {
    disposeGpt2Model(model);
  }
  await selectBackend('cpu');
  try {
    const ctx = await makeTestContext();
    const before = tf.memory().numTensors;
    const newTokens = greedyNewTokens(cases[0]);
    assert.ok(
      cases.every((c) => greedyNewTokens(c) === newTokens),
      'the reference generated as many tokens for every prompt',
    );
    const result = await predictStage.run(
      ctx,
      params({ texts: cases.map((c) => c.prompt), max_new_tokens: newTokens }),
      { model: ref('model', artifact, 'finetune', 'model') },
    );
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives the stage');
    const rows = parse(await readFile(join(ctx.outDir, 'predictions.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    for (const [i, c] of cases.entries()) {
      assert.equal(rows[i].text, c.prompt);
      assert.equal(
        rows[i].continuation,
        decodeGpt2(c.greedy_20.slice(c.ids.length)),
        `prompt ${i}: HF's greedy tokens`,
      );
      assert.equal(Number(rows[i].new_tokens), newTokens);
    }
    assert.equal(result.metrics!.rows, cases.length);
  } finally {
    await selectBackend('wasm');
  }
});

test('a model of a type predict does not know is an error that lists the known ones', async () => {
  const ctx = await makeTestContext({ stageId: 'p' });
  await writeFile(
    join(ctx.scratchDir, 'config.json'),
    JSON.stringify({ format: 'tfpipe-model/1', model_type: 'mystery' }),
  );
  await assert.rejects(
    predictStage.run(ctx, params({ texts: ['x'] }), { model: ref('model', ctx.scratchDir, 'train', 'model') }),
    /stage p: cannot predict with a mystery model from train \(predict knows: lstm-classifier, gpt2, gpt2-lora\)/,
  );
});
