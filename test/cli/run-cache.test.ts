// Acceptance of the runner core: unchanged reruns run nothing; status names the edited param and what follows;
// a damaged cache entry is reported and recomputed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli, stagesByAction } from './helpers.ts';
import { reviewsCsv } from './lab1-fixture.ts';

// Written out, not built with lab1Pipeline: the invalid-spec test names a line and column of this text.
const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: cache-test
stages:
  data:
    kind: load
    path: reviews.csv
    columns: {text: review, label: sentiment}
  split:
    kind: split
    input: data
    valid: 0.25
    test: 0.25
    description: cosmetic text
  vocab:
    kind: vocab
    input: split
    min_freq: 1
  tokenize:
    kind: tokenize
    input: split
    vocab: vocab
    mode: word
    max_length: 6
`;

test('an unchanged pipeline reruns nothing; an edited param is named by status with what follows it', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(60) });
  const first = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.deepEqual(stagesByAction(first.stdout).ran, ['data', 'split', 'vocab', 'tokenize']);

  const second = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(stagesByAction(second.stdout), { ran: [], cached: ['data', 'split', 'vocab', 'tokenize'] });
  assert.match(second.stdout, /done: 0 ran, 4 cached/);

  // A cosmetic edit changes nothing.
  await writeFile(join(dir, 'p.yaml'), PIPELINE.replace('cosmetic text', 'other words'));
  assert.deepEqual(stagesByAction((await runCli(dir, ['run', 'p.yaml'])).stdout).ran, []);

  await writeFile(join(dir, 'p.yaml'), PIPELINE.replace('min_freq: 1', 'min_freq: 2'));
  const status = await runCli(dir, ['status', 'p.yaml']);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(status.stdout.trim().split('\n'), [
    'data      cached',
    'split     cached',
    'vocab     will run: stages.vocab.min_freq: 1 → 2',
    'tokenize  will run: upstream `vocab` changed',
    '2 of 4 stages will run',
  ]);
  const third = await runCli(dir, ['run', 'p.yaml']);
  assert.deepEqual(stagesByAction(third.stdout), { ran: ['vocab', 'tokenize'], cached: ['data', 'split'] });
});

test('a flipped byte in a cached output is reported on the next run and that stage recomputed', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(60) });
  assert.equal((await runCli(dir, ['run', 'p.yaml'])).code, 0);
  const status = JSON.parse((await runCli(dir, ['status', 'p.yaml', '--json'])).stdout) as {
    stages: { stage: string; state: string }[];
  };
  assert.ok(status.stages.every((s) => s.state === 'cached'));

  // Find the vocab entry through its manifest and flip one byte of vocab.json.
  const cacheRoot = join(dir, '.tfpipe/cache');
  let flipped = '';
  for (const name of await readdir(cacheRoot)) {
    const manifest = await readFile(join(cacheRoot, name, 'manifest.json'), 'utf8').catch(() => null);
    if (!manifest || JSON.parse(manifest).tree.kind !== 'vocab') continue;
    flipped = join(cacheRoot, name, 'out', 'vocab.json');
    const bytes = await readFile(flipped);
    bytes[10] ^= 0x01;
    await writeFile(flipped, bytes);
  }
  assert.ok(flipped, 'vocab entry found');

  const statusAfter = await runCli(dir, ['status', 'p.yaml']);
  assert.match(statusAfter.stdout, /^vocab\s+will run: cache entry corrupt: .*vocab\.json/m);
  const rerun = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /! vocab: cache entry unusable \(.*vocab\.json.*\); recomputing/);
  assert.deepEqual(stagesByAction(rerun.stdout), { ran: ['vocab'], cached: ['data', 'split', 'tokenize'] });
  const again = await runCli(dir, ['run', 'p.yaml']);
  assert.deepEqual(stagesByAction(again.stdout).ran, []);
});

test('an invalid spec exits 2 with file:line:col; a failing stage exits 1 naming the stage', async () => {
  const dir = await makeProject({
    'bad.yaml': PIPELINE.replace('min_freq: 1', 'min_frq: 1'),
    'p.yaml': PIPELINE,
    'reviews.csv': 'review,sentiment\n',
  });
  const invalid = await runCli(dir, ['run', 'bad.yaml']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /bad\.yaml:17:5: unknown key `min_frq`/);
  const failed = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(failed.code, 1, failed.stdout);
  assert.match(failed.stdout, /✖ data failed after .*: .*reviews\.csv/);
  assert.match(failed.stdout, /split \(split\): not-run/);
});

test('--dry-run says what would run, downstream of uncached stages too, and writes nothing', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(60) });
  const dry = await runCli(dir, ['run', 'p.yaml', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  assert.match(dry.stdout, /data \(load\): would-run\n[\s\S]*tokenize \(tokenize\): would-run/);
  assert.match(dry.stdout, /done: 4 would run, 0 cached/);
  assert.deepEqual(stagesByAction(dry.stdout).ran, []);
  assert.equal((await runCli(dir, ['status', 'p.yaml'])).stdout.trim().split('\n').at(-1), '4 of 4 stages will run');

  assert.equal((await runCli(dir, ['run', 'p.yaml', '--to', 'split'])).code, 0);
  const partial = await runCli(dir, ['run', 'p.yaml', '--dry-run']);
  assert.match(partial.stdout, /done: 2 would run, 2 cached/);
});
