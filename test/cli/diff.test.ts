// `tfpipe diff` on two pipeline files that differ in one param (the second extends the first, as lab1-bidi
// extends lab1): exactly that path, which stages share their entry and why the others differ, the changed metrics'
// deltas (the equal ones counted; --all shows them).
// Before any run the files are compared without running anything; after, by file or by run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords } from '../runs/fixtures.ts';

const FILES = {
  'a.yaml': dataPipeline('base', 1),
  'b.yaml': 'extends: a.yaml\nname: stricter\nstages:\n  vocab:\n    min_freq: 2\n',
  'reviews.csv': reviewsWithRareWords(48),
};

const STAGES = [
  'stages:',
  '  load      shared',
  '  split     shared',
  '  vocab     differs: param stages.vocab.min_freq: 1 → 2',
  '  tokenize  differs: upstream `vocab` (param stages.vocab.min_freq: 1 → 2)',
];

function section(stdout: string, head: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(head));
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start, end < 0 ? undefined : end);
}

test('two files compared before any run: config path, shared and differing stages, no metrics, nothing run', async () => {
  const dir = await makeProject(FILES);
  const diff = await runCli(dir, ['diff', 'a.yaml', 'b.yaml']);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(section(diff.stdout, 'A:'), ['A: a.yaml', 'B: b.yaml']);
  assert.deepEqual(section(diff.stdout, 'config'), ['config: 1 difference', '  stages.vocab.min_freq: 1 → 2']);
  assert.deepEqual(section(diff.stdout, 'stages:'), STAGES);
  assert.deepEqual(section(diff.stdout, 'metrics:'), ['metrics:', '  (none recorded or cached on either side)']);
  assert.deepEqual(await readdir(join(dir, '.tfpipe')).catch(() => []), [], 'nothing ran, nothing was recorded');
});

test('after both ran: metrics side by side from the cache, and the last two runs compare the same way', async () => {
  const dir = await makeProject(FILES);
  for (const file of ['a.yaml', 'b.yaml']) assert.equal((await runCli(dir, ['run', file])).code, 0);

  const diff = await runCli(dir, ['diff', 'a.yaml', 'b.yaml']);
  assert.deepEqual(section(diff.stdout, 'stages:'), STAGES);
  const json = JSON.parse((await runCli(dir, ['diff', 'a.yaml', 'b.yaml', '--json'])).stdout);
  const vocabSize = json.metrics.find(
    (m: { stage: string; metric: string }) => m.stage === 'vocab' && m.metric === 'vocab_size',
  );
  assert.ok(vocabSize.a > vocabSize.b, 'min_freq 2 drops the words seen once');
  assert.equal(vocabSize.delta, vocabSize.b - vocabSize.a);
  assert.equal(vocabSize.relative, (vocabSize.b - vocabSize.a) / vocabSize.a);
  const relative = `${((100 * (vocabSize.b - vocabSize.a)) / vocabSize.a).toFixed(1)}%`;
  assert.match(
    diff.stdout,
    new RegExp(
      `^ {2}vocab\\.vocab_size +${vocabSize.a} +${vocabSize.b} +${vocabSize.b - vocabSize.a} +${relative}$`,
      'm',
    ),
  );
  // load.rows is the same on both sides: counted, not shown, unless --all
  assert.doesNotMatch(diff.stdout, /^ {2}load\.rows /m);
  const equal = json.metrics.filter((m: { a: unknown; b: unknown }) => m.a === m.b).length;
  assert.match(diff.stdout, new RegExp(`^ {2}${equal} equal metrics hidden; --all shows them$`, 'm'));
  const all = await runCli(dir, ['diff', 'a.yaml', 'b.yaml', '--all']);
  assert.match(all.stdout, /^ {2}load\.rows +48 +48 +0 +\+0\.0%$/m);

  const runs = await runCli(dir, ['diff']);
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /^A: run \d{8}-\d{6}-[0-9a-f]{4} \(base\)\nB: run \d{8}-\d{6}-[0-9a-f]{4} \(stricter\)$/m);
  assert.deepEqual(section(runs.stdout, 'config'), ['config: 1 difference', '  stages.vocab.min_freq: 1 → 2']);
  assert.deepEqual(section(runs.stdout, 'stages:'), STAGES);
  assert.deepEqual(section(runs.stdout, 'metrics:'), section(diff.stdout, 'metrics:'));

  const md = await runCli(dir, ['diff', 'LAST~1', 'b.yaml', '--md']);
  assert.match(md.stdout, /^\| `stages.vocab.min_freq` \| 1 \| 2 \|$/m);
  assert.match(
    md.stdout,
    /^\| `tokenize` \| tokenize \| differs \| upstream `vocab` \(param stages.vocab.min_freq: 1 → 2\) \|$/m,
  );
});

test('diff names what it cannot find', async () => {
  const dir = await makeProject(FILES);
  const none = await runCli(dir, ['diff']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /LAST~1: there are only 0 recorded runs/);
  const missing = await runCli(dir, ['diff', 'a.yaml', 'nope.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml/);
});
