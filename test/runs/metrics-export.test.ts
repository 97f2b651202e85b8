// Result files are found in cache entries at any depth, and exported at stable paths in DVC-readable shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readEntryFiles } from '../../runner/runs/entry-files.ts';
import { exportRunMetrics, metricsExportDir } from '../../runner/runs/metrics-export.ts';
import { formatCsv } from '../../stages/artifacts/csv-table.ts';
import { makeCache, makeRecord, syntheticHistory, writeEntry } from './fixtures.ts';

test('history, steps, metrics.json and texts.json are read from an entry; absent ones are left out', async () => {
  const cache = await makeCache();
  const metricsJson = {
    test_acc: 0.84,
    confusion_matrix: [
      [40, 10],
      [6, 44],
    ],
    labels: ['negative', 'positive'],
  };
  const train = await writeEntry(
    cache,
    { kind: 'train', params: { epochs: 3 } },
    { 'model/history.csv': syntheticHistory(3, 0.5), 'metrics/metrics.json': JSON.stringify(metricsJson) },
  );
  const files = await readEntryFiles(cache.root, train.fingerprint);
  assert.equal(files.history?.length, 3);
  assert.deepEqual(Object.keys(files.history![0]), ['epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc']);
  assert.equal(typeof files.history![0].train_loss, 'number');
  assert.deepEqual(files.metricsJson, metricsJson);
  assert.equal(files.steps, undefined);
  const texts = await writeEntry(
    cache,
    { kind: 'generate', params: {} },
    { 'texts.json': JSON.stringify({ texts: ['once upon', 'a time'] }) },
  );
  assert.deepEqual(await readEntryFiles(cache.root, texts.fingerprint), { texts: ['once upon', 'a time'] });
  assert.deepEqual(await readEntryFiles(cache.root, 'f'.repeat(64)), {}, 'a purged entry reads as nothing');
});

test('after a run, each stage has metrics.json (numbers only) and its history.csv at a stable path', async () => {
  const cache = await makeCache();
  const history = syntheticHistory(4, 0.4);
  const train = await writeEntry(
    cache,
    { kind: 'train', params: {} },
    {
      'history.csv': history,
      'metrics.json': JSON.stringify({
        confusion_matrix: [
          [1, 0],
          [0, 1],
        ],
        valid_acc: 0.8,
        note: 'x',
      }),
    },
    { epochs_run: 4 },
  );
  const record = makeRecord('20261128-071502-ab12', {
    pipeline: { file: '/p/lab1.yaml', name: 'lab one' },
    cacheRoot: cache.root,
    stages: [
      {
        id: 'train',
        kind: 'train',
        fingerprint: train.fingerprint,
        action: 'cached',
        seconds: 0,
        metrics: { epochs_run: 4 },
        summary: [],
      },
      {
        id: 'evaluate',
        kind: 'evaluate',
        fingerprint: 'e'.repeat(64),
        action: 'interrupted',
        seconds: 1,
        metrics: {},
        summary: [],
      },
    ],
  });
  const written = await exportRunMetrics(record);
  const dir = metricsExportDir(cache.root, '/p/lab1.yaml');
  assert.equal(dir, join(cache.root, '..', 'metrics', 'lab1'));
  assert.deepEqual(written, [join(dir, 'train', 'metrics.json'), join(dir, 'train', 'history.csv')]);
  // dvc metrics show: an object of numbers; dvc plots show: a CSV with a header row.
  assert.deepEqual(JSON.parse(await readFile(written[0], 'utf8')), { valid_acc: 0.8, epochs_run: 4 });
  assert.equal(await readFile(written[1], 'utf8'), history);
  assert.deepEqual(await readdir(dir), ['train']);
});

test('CSV cells holding commas or quotes are quoted', () => {
  assert.equal(
    formatCsv([
      { step: 1, note: 'a,b' },
      { step: 2, note: 'say "hi"' },
    ]),
    'step,note\n1,"a,b"\n2,"say ""hi"""\n',
  );
});
