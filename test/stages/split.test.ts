import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { splitStage } from '../../stages/split.ts';
import { loadStage } from '../../stages/load.ts';
import { readDataset, writeDataset, type Dataset } from '../../stages/artifacts/dataset.ts';
import { computeSplitIndices } from '../../stages/data/split-indices.ts';
import type { ArtifactRef, Fingerprint } from '../../stages/stage.ts';
import { FULL_IMDB_CSV, makeTestContext } from '../helpers/context.ts';
import { sklearnReference } from './data/sklearn-reference.ts';
import { stageParams } from '../helpers/params.ts';

const ref = (dir: string): Record<string, ArtifactRef> => ({
  input: { type: 'dataset', dir, fingerprint: 'f' as Fingerprint, stage: 'load', output: 'dataset' },
});

async function datasetDir(data: Dataset): Promise<string> {
  const ctx = await makeTestContext();
  await writeDataset(ctx.outDir, data);
  return ctx.outDir;
}

async function readParts(dir: string) {
  return {
    train: await readDataset(join(dir, 'train')),
    valid: await readDataset(join(dir, 'valid')),
    test: await readDataset(join(dir, 'test')),
  };
}

test(
  "the homework's IMDB split: load 50,000 rows, sklearn test 0.2 then valid 0.125, random_state 12 → 35,000/5,000/10,000",
  { skip: FULL_IMDB_CSV.skip },
  async (t) => {
    const loaded = await makeTestContext();
    await loadStage.run(loaded, { dataset: 'imdb' }, {});
    const ctx = await makeTestContext();
    const result = await splitStage.run(
      ctx,
      stageParams('split', { method: 'sklearn', test: 0.2, valid: 0.125, seed: 12 }),
      ref(loaded.outDir),
    );
    assert.deepEqual(result.metrics, { train_rows: 35000, valid_rows: 5000, test_rows: 10000, seed: 12 });

    const all = await readDataset(loaded.outDir);
    const parts = await readParts(ctx.outDir);
    const indices = computeSplitIndices(50000, all.labels, {
      method: 'sklearn',
      test: 0.2,
      valid: 0.125,
      seed: 12,
      stratify: false,
    });
    for (const part of ['train', 'valid', 'test'] as const) {
      assert.equal(parts[part].texts.length, indices[part].length);
      assert.ok(
        parts[part].texts.every((text, i) => text === all.texts[indices[part][i]]),
        `${part} rows are the indexed rows, in order`,
      );
      assert.ok(parts[part].labels!.every((label, i) => label === all.labels![indices[part][i]]));
    }
    assert.equal(new Set([...indices.train, ...indices.valid, ...indices.test]).size, 50000);

    const reference = sklearnReference([{ n: 50000, test_size: 0.2, random_state: 12, then_test_size: 0.125 }]);
    if (!reference.ok) return t.skip(reference.reason);
    const [expected] = reference.results;
    assert.deepEqual(Array.from(indices.test), expected.test, 'test rows equal sklearn');
    assert.deepEqual(Array.from(indices.valid), expected.valid, 'valid rows equal sklearn');
    assert.deepEqual(Array.from(indices.train), expected.train, 'train rows equal sklearn');
  },
);

test('head keeps the first rows of each part unshuffled, like select(range(len // 10))', async () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `row ${i}`);
  const input = await datasetDir({ texts, labels: null, labelNames: [] });
  const ctx = await makeTestContext();
  await splitStage.run(
    ctx,
    stageParams('split', { method: 'sklearn', test: 0.2, valid: 0.125, seed: 12, head: { train: 0.1, test: 50 } }),
    ref(input),
  );
  const parts = await readParts(ctx.outDir);
  const full = computeSplitIndices(1000, null, {
    method: 'sklearn',
    test: 0.2,
    valid: 0.125,
    seed: 12,
    stratify: false,
  });
  assert.equal(parts.train.texts.length, Math.floor(700 / 10));
  assert.deepEqual(
    parts.train.texts,
    Array.from(full.train.slice(0, 70), (i) => texts[i]),
  );
  assert.equal(parts.valid.texts.length, 100, 'no head for valid');
  assert.deepEqual(
    parts.test.texts,
    Array.from(full.test.slice(0, 50), (i) => texts[i]),
  );
  await assert.rejects(
    splitStage.run(await makeTestContext(), stageParams('split', { test: 0.2, head: 1.5 }), ref(input)),
    /head for train is 1.5/,
  );
});

test('random split: default seed from ctx.rng, stratify keeps label shares, an empty part is still written', async () => {
  const labels = Int32Array.from({ length: 200 }, (_, i) => (i < 150 ? 0 : 1));
  const input = await datasetDir({ texts: Array.from(labels, (l, i) => `${l}:${i}`), labels, labelNames: ['a', 'b'] });
  const ctx = await makeTestContext();
  const result = await splitStage.run(ctx, stageParams('split', { test: 0.2, stratify: true }), ref(input));
  assert.equal(result.metrics!.seed, ctx.rng.seed);
  const parts = await readParts(ctx.outDir);
  assert.deepEqual([parts.train.texts.length, parts.valid.texts.length, parts.test.texts.length], [160, 0, 40]);
  assert.ok(existsSync(join(ctx.outDir, 'valid/meta.json')));
  const share = (d: Dataset) => d.labels!.filter((l) => l === 1).length / d.labels!.length;
  assert.ok(Math.abs(share(parts.test) - 0.25) <= 0.05 && Math.abs(share(parts.train) - 0.25) <= 0.02);
  assert.deepEqual(parts.test.labelNames, ['a', 'b']);

  const unlabelled = await datasetDir({ texts: ['x', 'y', 'z'], labels: null, labelNames: [] });
  await assert.rejects(
    splitStage.run(await makeTestContext(), stageParams('split', { test: 0.5, stratify: true }), ref(unlabelled)),
    /stratify needs a labelled dataset/,
  );
  await assert.rejects(
    splitStage.run(await makeTestContext(), stageParams('split', { test: 0.2 }), {}),
    /no input dataset/,
  );
});
