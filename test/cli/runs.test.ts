// The run registry through the CLI: every run leaves a record (ok, cached, failed, interrupted by Ctrl-C or
// killed outright); `tfpipe runs` lists them, `tfpipe show` prints one, metrics land at stable DVC paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli, startCli, waitForOutput } from './helpers.ts';
import { reviewsCsv, SLOW_LOAD_ROWS } from './lab1-fixture.ts';
import { dataPipeline, reviewsWithRareWords } from '../runs/fixtures.ts';
import type { RunRecord } from '../../runner/runs/record.ts';

/** The records in the order they started, as the registry lists them (ids of one second sort by their random part). */
async function records(dir: string): Promise<RunRecord[]> {
  const runs = join(dir, '.tfpipe/runs');
  const all = await Promise.all(
    (await readdir(runs)).map(async (n) => JSON.parse(await readFile(join(runs, n), 'utf8')) as RunRecord),
  );
  return all.sort((a, b) => a.started.localeCompare(b.started));
}

/** Rows of `tfpipe runs` as {column: value}, split on the header's column starts. */
function table(stdout: string): Record<string, string>[] {
  const [head, ...rows] = stdout.trimEnd().split('\n');
  const starts = [...head.matchAll(/\S+( \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return rows.map((row) =>
    Object.fromEntries(starts.map((s, i) => [s.name, row.slice(s.at, starts[i + 1]?.at).trim()])),
  );
}

test('each run is recorded with its resolved config, per-stage fingerprints, actions, metrics and status', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(40) });
  const first = await runCli(dir, ['run', 'p.yaml', '--set', 'stages.tokenize.max_length=5', '--backend', 'cpu']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^recorded as run (\d{8}-\d{6}-[0-9a-f]{4}) \(tfpipe show \1\)$/m);
  assert.equal(
    (await runCli(dir, ['run', 'p.yaml', '--set', 'stages.tokenize.max_length=5', '--backend', 'cpu'])).code,
    0,
  );

  const [a, b] = await records(dir);
  assert.equal(a.pipeline.file, join(dir, 'p.yaml'));
  assert.equal(a.pipeline.name, 'lab');
  assert.deepEqual(a.set, ['stages.tokenize.max_length=5']);
  assert.equal((a.config.stages as Record<string, Record<string, unknown>>).tokenize.max_length, 5);
  assert.equal((a.config.stages as Record<string, Record<string, unknown>>).vocab.min_freq, 1);
  assert.deepEqual(
    [a.status, a.exitCode, a.backend.name, a.tfpipe],
    ['ok', 0, 'cpu', JSON.parse(await readFile('package.json', 'utf8')).version],
  );
  assert.ok(Date.parse(a.finished!) >= Date.parse(a.started));
  assert.deepEqual(
    a.stages.map((s) => `${s.id}:${s.action}`),
    ['load:ran', 'split:ran', 'vocab:ran', 'tokenize:ran'],
  );
  assert.deepEqual(
    b.stages.map((s) => s.action),
    ['cached', 'cached', 'cached', 'cached'],
  );
  assert.deepEqual(
    b.stages.map((s) => s.fingerprint),
    a.stages.map((s) => s.fingerprint),
  );
  assert.deepEqual(b.stages[2].metrics, a.stages[2].metrics, 'a cached stage reports the metrics of its entry');
  assert.equal(a.stages[2].tree?.params.min_freq, 1);

  const list = table((await runCli(dir, ['runs'])).stdout);
  assert.deepEqual(
    list.map((r) => [r.id, r.pipeline, r.stages, r.status]),
    [
      [a.id, 'lab', '4 ran, 0 cached', 'ok'],
      [b.id, 'lab', '0 ran, 4 cached', 'ok'],
    ],
  );
  assert.match(list[0]['key metrics'], /^tokenize\.train_rows 20 · /);

  const show = await runCli(dir, ['show', a.id.slice(0, 17)]);
  assert.match(show.stdout, new RegExp(`^run ${a.id}: ok \\(exit 0\\)$`, 'm'));
  assert.match(show.stdout, /^ {2}vocab +vocab +ran +\S+ +— +[0-9a-f]{12}$/m);
  assert.match(show.stdout, /^ {2}vocab: vocab_size \d+/m);
  assert.match(show.stdout, /^ {6}max_length: 5$/m);

  // DVC reads the latest run's metrics at paths that do not move.
  const exported = JSON.parse(await readFile(join(dir, '.tfpipe/metrics/p/vocab/metrics.json'), 'utf8'));
  assert.deepEqual(
    exported,
    Object.fromEntries(Object.entries(b.stages[2].metrics).filter(([, v]) => typeof v === 'number')),
  );
});

test('failed, interrupted (Ctrl-C) and killed runs are listed with their status', async (t) => {
  const pipeline = `${dataPipeline('lab', 1)}  big:\n    kind: load\n    path: big.csv\n    columns: {text: review, label: sentiment}\n`;
  const dir = await makeProject({
    'p.yaml': pipeline,
    'reviews.csv': reviewsWithRareWords(20),
    'big.csv': reviewsCsv(SLOW_LOAD_ROWS),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const failed = await runCli(dir, ['run', 'p.yaml', '--only', 'tokenize']);
  assert.equal(failed.code, 1);

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    const run = startCli(dir, ['run', 'p.yaml']);
    await waitForOutput(run, '▶ big (load) started');
    run.child.kill(signal);
    await run.done;
  }
  const list = table((await runCli(dir, ['runs'])).stdout);
  assert.deepEqual(
    list.map((r) => [r.stages, r.status]),
    [
      ['0 ran, 0 cached, 1 failed', 'failed'],
      ['4 ran, 0 cached, 1 interrupted', 'interrupted'],
      ['0 ran, 4 cached', 'interrupted'], // the record is rewritten as each stage finishes, so the kill keeps these
    ],
  );
  const [, interrupted, killed] = await records(dir);
  assert.deepEqual([interrupted.status, interrupted.exitCode], ['interrupted', 130]);
  assert.equal(killed.status, 'running', 'a killed run never finished its record; readers infer the rest');
  assert.deepEqual(
    killed.stages.map((s) => `${s.id} ${s.action}`),
    ['load cached', 'split cached', 'vocab cached', 'tokenize cached'],
  );
  const json = JSON.parse((await runCli(dir, ['runs', '--json'])).stdout) as RunRecord[];
  assert.deepEqual(
    json.map((r) => r.status),
    ['failed', 'interrupted', 'interrupted'],
  );
  const show = await runCli(dir, ['show', failed.stdout.match(/recorded as run (\S+)/)![1]]);
  assert.match(show.stdout, /^ {2}tokenize: error: stage `tokenize` needs `split`, which is not in the cache/m);
});
