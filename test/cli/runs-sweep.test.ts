// `tfpipe run --sweep`: the product of the values runs against one cache (shared stages run once), each
// combination is recorded with its assignments, and `tfpipe runs --sweep LAST` puts them in one table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli, stagesByAction } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords } from '../runs/fixtures.ts';
import type { RunRecord } from '../../runner/runs/record.ts';

test('a 2×2 sweep runs four combinations sharing the cache and compares them in one table', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(40) });
  const sweep = await runCli(dir, [
    'run',
    'p.yaml',
    '--sweep',
    'vocab.min_freq=1,2',
    '--sweep',
    'tokenize.max_length=4,6',
  ]);
  assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
  const headers = [...sweep.stdout.matchAll(/^sweep (\d)\/4: (.*)$/gm)].map((m) => m[2]);
  assert.deepEqual(headers, [
    'stages.vocab.min_freq=1 stages.tokenize.max_length=4',
    'stages.vocab.min_freq=1 stages.tokenize.max_length=6',
    'stages.vocab.min_freq=2 stages.tokenize.max_length=4',
    'stages.vocab.min_freq=2 stages.tokenize.max_length=6',
  ]);
  // load and split run once; vocab once per min_freq; tokenize every time.
  const ran = stagesByAction(sweep.stdout).ran;
  assert.deepEqual(ran, ['load', 'split', 'vocab', 'tokenize', 'tokenize', 'vocab', 'tokenize', 'tokenize']);

  const names = (await readdir(join(dir, '.tfpipe/runs'))).sort();
  const records = await Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(dir, '.tfpipe/runs', n), 'utf8')) as RunRecord),
  );
  records.sort((a, b) => a.sweep!.index - b.sweep!.index);
  assert.equal(new Set(records.map((r) => r.sweep!.id)).size, 1);
  assert.deepEqual(
    records.map((r) => r.sweep!.assignments),
    [
      { 'stages.vocab.min_freq': 1, 'stages.tokenize.max_length': 4 },
      { 'stages.vocab.min_freq': 1, 'stages.tokenize.max_length': 6 },
      { 'stages.vocab.min_freq': 2, 'stages.tokenize.max_length': 4 },
      { 'stages.vocab.min_freq': 2, 'stages.tokenize.max_length': 6 },
    ],
  );
  assert.deepEqual(
    records.map((r) => (r.config.stages as Record<string, Record<string, unknown>>).vocab.min_freq),
    [1, 1, 2, 2],
  );

  const table = await runCli(dir, ['runs', '--sweep', 'LAST']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `sweep ${records[0].sweep!.id}: 4 of 4 runs of lab`);
  assert.match(lines[1], /^run +vocab\.min_freq +tokenize\.max_length +stages +.*vocab\.vocab_size.* +status$/);
  const vocabSizes = records.map((r) => String(r.stages.find((s) => s.id === 'vocab')!.metrics.vocab_size));
  assert.notEqual(vocabSizes[0], vocabSizes[2]);
  for (const [i, r] of records.entries()) {
    const cells = lines[2 + i].split(/ {2,}/);
    assert.deepEqual(cells.slice(0, 4), [
      r.id,
      String(r.sweep!.assignments['stages.vocab.min_freq']),
      String(r.sweep!.assignments['stages.tokenize.max_length']),
      i === 0 ? '4 ran, 0 cached' : i === 2 ? '2 ran, 2 cached' : '1 ran, 3 cached',
    ]);
    assert.ok(cells.includes(vocabSizes[i]));
    assert.equal(cells[cells.length - 1], 'ok');
  }
  assert.match(lines[lines.length - 1], /^same in every run: load\.rows 40 · /);
  assert.equal(
    sweep.stdout.trimEnd().split('\n').slice(-lines.length).join('\n'),
    lines.join('\n'),
    'the sweep ends with the same table',
  );
});

test('a bad sweep value is reported before anything runs', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(10) });
  const bad = await runCli(dir, ['run', 'p.yaml', '--sweep', 'vocab.min_freq=1,many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /min_freq/);
  assert.doesNotMatch(bad.stdout, /▶/);
  const usage = await runCli(dir, ['run', 'p.yaml', '--sweep', 'vocab.min_freq']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected PATH=V1,V2/);
});
