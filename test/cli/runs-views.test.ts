// Runs that say what changed (issue 16, item 2) through the CLI: `run --name`; `runs` with a column per param that
// differs, --sort and --filter; show and diff taking a name; sweep runs labelled by their values; the git commit
// and dirty flag of a run inside a work tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords } from '../runs/fixtures.ts';
import type { RunRecord } from '../../runner/runs/record.ts';

// No temp project is inside a work tree the test did not make, whatever encloses the temp folder.
const ENV = { GIT_CEILING_DIRECTORIES: tmpdir() };

async function records(dir: string): Promise<RunRecord[]> {
  const runs = join(dir, '.tfpipe/runs');
  const all = await Promise.all(
    (await readdir(runs)).map(async (n) => JSON.parse(await readFile(join(runs, n), 'utf8')) as RunRecord),
  );
  return all.sort((a, b) => a.started.localeCompare(b.started) || a.id.localeCompare(b.id));
}

/** Rows of a `tfpipe runs` table as {column: value}, split on the header's column starts; the header's names. */
function table(stdout: string): { head: string[]; rows: Record<string, string>[] } {
  const [head, ...rows] = stdout.trimEnd().split('\n');
  const starts = [...head.matchAll(/\S+( \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return {
    head: starts.map((s) => s.name),
    rows: rows.map((row) =>
      Object.fromEntries(starts.map((s, i) => [s.name, row.slice(s.at, starts[i + 1]?.at).trim()])),
    ),
  };
}

async function cli(dir: string, args: string[]): Promise<string> {
  const result = await runCli(dir, args, ENV);
  assert.equal(result.code, 0, `tfpipe ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

const vocabSize = (r: RunRecord) => r.stages.find((s) => s.id === 'vocab')!.metrics.vocab_size as number;

test('named runs; runs shows the differing param, sorts and filters; show and diff take a name', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(40) });
  await cli(dir, ['run', 'p.yaml', '--name', 'base']);
  await cli(dir, ['run', 'p.yaml', '--set', 'vocab.min_freq=2', '--name', 'strict']);
  await cli(dir, ['run', 'p.yaml', '--set', 'vocab.max_size=6']);
  const [base, strict, third] = await records(dir);
  assert.deepEqual([base.name, strict.name, 'name' in third], ['base', 'strict', false]);
  assert.ok(!('git' in base), 'no work tree, no git field');
  const sizes = [base, strict, third].map(vocabSize);
  assert.ok(
    sizes[0] > sizes[1] && sizes[1] > sizes[2],
    `min_freq 2, then max_size 6, give smaller vocabularies: ${sizes}`,
  );

  const listed = table(await cli(dir, ['runs']));
  assert.deepEqual(listed.head, [
    'label',
    'id',
    'pipeline',
    'when',
    'stages',
    'vocab.min_freq',
    'vocab.max_size',
    'key metrics',
    'status',
  ]);
  assert.deepEqual(
    listed.rows.map((r) => [r.label, r.id, r['vocab.min_freq'], r['vocab.max_size']]),
    [
      ['base', base.id, '1', '—'],
      ['strict', strict.id, '2', '—'],
      ['—', third.id, '1', '6'],
    ],
  );

  // Descending by a metric, written three ways; the metric gets a column.
  for (const args of [
    ['--sort=-vocab.vocab_size'],
    ['--sort', '-vocab.vocab_size'],
    ['--sort', 'vocab.vocab_size', '--desc'],
  ]) {
    const sorted = table(await cli(dir, ['runs', ...args]));
    assert.deepEqual(
      sorted.rows.map((r) => [r.id, r['vocab.vocab_size']]),
      [base, strict, third].map((r) => [r.id, String(vocabSize(r))]),
      args.join(' '),
    );
  }
  const ascending = table(await cli(dir, ['runs', '--sort', 'vocab.vocab_size', '--limit', '2']));
  assert.deepEqual(
    ascending.rows.map((r) => r.id),
    [third.id, strict.id],
    '--limit takes the first N of the order',
  );
  const byParam = table(await cli(dir, ['runs', '--sort=-vocab.min_freq']));
  assert.deepEqual(
    byParam.rows.map((r) => r.id),
    [strict.id, base.id, third.id],
    'descending by a param; equal values keep their order',
  );

  const filtered = table(await cli(dir, ['runs', '--filter', 'vocab.min_freq=1']));
  assert.deepEqual(
    filtered.rows.map((r) => [r.id, r['vocab.max_size']]),
    [
      [base.id, '—'],
      [third.id, '6'],
    ],
  );
  assert.ok(!filtered.head.includes('vocab.min_freq'), 'the same in the runs listed: no column');
  const both = table(
    await cli(dir, ['runs', '--filter', `vocab.vocab_size<${sizes[1] + 1}`, '--filter', 'vocab.max_size!=6']),
  );
  assert.deepEqual(
    both.rows.map((r) => [r.id, r['vocab.vocab_size']]),
    [[strict.id, String(sizes[1])]],
    `vocab_size < ${sizes[1] + 1} keeps strict and the third; max_size != 6 drops the third`,
  );
  assert.ok(!both.head.includes('vocab.min_freq'), 'one run left: no param differs');

  const bad = await runCli(dir, ['runs', '--filter', 'vocab.min_freq'], ENV);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--filter `vocab\.min_freq`: expected KEY=VALUE/);
  const notNumber = await runCli(dir, ['runs', '--filter', 'vocab.vocab_size>big'], ENV);
  assert.equal(notNumber.code, 2);
  assert.match(notNumber.stderr, /--filter `vocab\.vocab_size>big`: > compares numbers/);
  const unknown = await runCli(dir, ['runs', '--sort', 'vocab.nope'], ENV);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sort: no listed run has a metric or param `vocab\.nope`/);

  const show = await cli(dir, ['show', 'strict']);
  assert.match(show, new RegExp(`^run ${strict.id}: ok \\(exit 0\\)\\nname {6}strict$`, 'm'));
  const diff = await cli(dir, ['diff', 'base', 'strict']);
  assert.match(diff, new RegExp(`^A: base \\(run ${base.id}, lab\\)\\nB: strict \\(run ${strict.id}, lab\\)$`, 'm'));
  assert.match(diff, /^config: 1 difference\n {2}stages\.vocab\.min_freq: 1 → 2$/m);
  const json = JSON.parse(await cli(dir, ['runs', '--json'])) as RunRecord[];
  assert.deepEqual(
    json.map((r) => r.name),
    ['base', 'strict', undefined],
  );

  // A name used again names the newest run of that name.
  await cli(dir, ['run', 'p.yaml', '--set', 'vocab.min_freq=2', '--name', 'base']);
  const newest = (await records(dir))[3];
  assert.match(await cli(dir, ['show', 'base']), new RegExp(`^run ${newest.id}: ok`, 'm'));
  const refused = await runCli(dir, ['run', 'p.yaml', '--name', 'LAST~1'], ENV);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--name `LAST~1`: LAST and LAST~N already name runs by position/);
  assert.equal((await records(dir)).length, 4, 'a refused name runs nothing');
});

test('sweep runs are labelled by their swept values in runs, diff and show', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(40) });
  await cli(dir, ['run', 'p.yaml', '--sweep', 'vocab.min_freq=1,2']);
  const [one, two] = await records(dir);
  assert.deepEqual(
    [one.sweep?.assignments, two.sweep?.assignments],
    [{ 'stages.vocab.min_freq': 1 }, { 'stages.vocab.min_freq': 2 }],
  );
  const listed = table(await cli(dir, ['runs']));
  assert.deepEqual(
    listed.rows.map((r) => [r.label, r.id, r['vocab.min_freq']]),
    [
      ['min_freq=1', one.id, '1'],
      ['min_freq=2', two.id, '2'],
    ],
  );
  const diff = await cli(dir, ['diff']);
  assert.match(
    diff,
    new RegExp(`^A: min_freq=1 \\(run ${one.id}, lab\\)\\nB: min_freq=2 \\(run ${two.id}, lab\\)$`, 'm'),
  );
  const show = await cli(dir, ['show', 'LAST']);
  assert.match(show, new RegExp(`^sweep {5}${two.sweep!.id}, run 2 of 2: min_freq=2$`, 'm'));
});

test('inside a git work tree the record keeps the commit, and whether the tree had changes', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(20) });
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=tfpipe test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
      { cwd: dir, encoding: 'utf8' },
    ).trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'lab');
  const head = git('rev-parse', 'HEAD');

  await cli(dir, ['run', 'p.yaml']);
  await cli(dir, ['run', 'p.yaml']); // .tfpipe/ now exists, untracked: tfpipe's own folder is no change
  await writeFile(join(dir, 'p.yaml'), `${dataPipeline('lab', 1)}# tuned\n`);
  await cli(dir, ['run', 'p.yaml']);
  const [clean, again, dirty] = await records(dir);
  assert.deepEqual(clean.git, { commit: head, dirty: false });
  assert.deepEqual(again.git, { commit: head, dirty: false });
  assert.deepEqual(dirty.git, { commit: head, dirty: true });
  assert.match(await cli(dir, ['show', clean.id]), new RegExp(`^git {7}${head} \\(clean\\)$`, 'm'));
  assert.match(await cli(dir, ['show', dirty.id]), new RegExp(`^git {7}${head} \\(uncommitted changes\\)$`, 'm'));
});
