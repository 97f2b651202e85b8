// Hostile inputs against the real CLI: each failure is a message naming the file or path (and where in it) with its
// exit code — 2 for a usage or spec problem, 1 for a failed stage or a machine problem — and never a stack trace,
// which only --debug prints (issue 13 item 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeProject, runCli } from '../cli/helpers.ts';
import { reviewsCsv } from '../cli/lab1-fixture.ts';
import { assertAnswer, NO_NAMESPACES, probe, runCliMounted, STACK_FRAME } from './helpers.ts';

const LOAD = 'data: {kind: load, path: reviews.csv, columns: {text: review, label: sentiment}}';
const pipeline = (...stages: string[]) => `name: p\nbackend: cpu\nstages:\n${stages.map((s) => `  ${s}\n`).join('')}`;
const OK = pipeline(LOAD, 'split: {kind: split, input: data, test: 0.5}');

async function project(t: { after(fn: () => void): void }, files: Record<string, string> = {}): Promise<string> {
  const dir = await makeProject({ 'p.yaml': OK, 'reviews.csv': reviewsCsv(40), ...files });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A "billion laughs" file: 9 aliases of 9 aliases … 7 levels deep, 9^7 strings if expanded. */
function aliasBomb(): string {
  const lines = ['name: bomb', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 7; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nstages:\n  ${LOAD}\n`;
}

test('a YAML alias bomb is a located problem, exit 2, for validate and run', async (t) => {
  const dir = await project(t, { 'bomb.yaml': aliasBomb() });
  for (const command of ['validate', 'run']) {
    await probe(dir, [command, 'bomb.yaml'], {
      code: 2,
      messages: [/bomb\.yaml:3:\d+: YAML aliases expand too far/, /at most 1000 alias uses/],
    });
  }
});

test('a load with neither path nor dataset fails validate at the stage, naming both keys', async (t) => {
  const dir = await project(t, {
    'bare.yaml': pipeline('data: {kind: load, columns: {text: review, label: sentiment}}'),
  });
  await probe(dir, ['validate', 'bare.yaml'], {
    code: 2,
    messages: [/bare\.yaml:4:3: stage `data` \(kind load\) needs `dataset` or `path`/],
  });
});

test('.nan and .inf are "not a finite number" at their place, in the file and through --set', async (t) => {
  const dir = await project(t, { 'nan.yaml': pipeline(LOAD, 'split: {kind: split, input: data, test: .nan}') });
  await probe(dir, ['validate', 'nan.yaml'], {
    code: 2,
    messages: [/nan\.yaml:5:43: `test` must be a finite number, got NaN/],
  });
  const set = await probe(dir, ['validate', 'p.yaml', '--set', 'split.test=-.inf'], {
    code: 2,
    messages: [/`test` must be a finite number, got -Infinity/],
  });
  assert.doesNotMatch(set.stderr, /got number null/);
});

test('--cache-dir or TFPIPE_CACHE naming a file, or a path through a file, is a usage error naming it', async (t) => {
  const dir = await project(t, { 'a-file': 'not a folder\n' });
  await probe(dir, ['run', 'p.yaml', '--cache-dir', 'a-file'], {
    code: 2,
    messages: [/--cache-dir names \S+\/a-file, which is not a folder/],
  });
  await probe(
    dir,
    ['status', 'p.yaml'],
    { code: 2, messages: [/TFPIPE_CACHE names \S+\/a-file, which is not a folder/] },
    { TFPIPE_CACHE: 'a-file' },
  );
  await probe(dir, ['run', 'p.yaml', '--cache-dir', 'a-file/cache'], {
    code: 2,
    messages: [/--cache-dir: cannot read \S+\/a-file\/cache: a part of the path is a file, not a folder \(ENOTDIR\)/],
  });
});

test('a cache path or report --out name too long for the file system is a usage error naming it (ENAMETOOLONG)', async (t) => {
  const dir = await project(t);
  const long = 'n'.repeat(300);
  await probe(dir, ['run', 'p.yaml', '--cache-dir', long], {
    code: 2,
    messages: [
      new RegExp(`--cache-dir: cannot read \\S+/${long}: the name is too long for the file system \\(ENAMETOOLONG\\)`),
    ],
  });
  await probe(dir, ['run', 'p.yaml'], { code: 0, messages: [/done: 2 ran/] });
  await probe(dir, ['report', '--out', `${long}.html`], {
    code: 2,
    messages: [
      new RegExp(`--out: cannot open \\S+/${long}\\.html: the name is too long for the file system \\(ENAMETOOLONG\\)`),
    ],
  });
});

test('report --out naming a folder is a usage error naming it (EISDIR), and nothing is written into it', async (t) => {
  const dir = await project(t);
  await mkdir(join(dir, 'reports'));
  await probe(dir, ['run', 'p.yaml'], { code: 0, messages: [/done: 2 ran/] });
  await probe(dir, ['report', '--out', 'reports'], {
    code: 2,
    messages: [/--out \S+\/reports is a folder; give the path of the HTML file to write/],
  });
});

test('a truncated .gz data file fails the load with a message naming the file', async (t) => {
  const gz = gzipSync(reviewsCsv(400));
  const dir = await project(t, {
    'gz.yaml': pipeline('data: {kind: load, path: reviews.csv.gz, columns: {text: review, label: sentiment}}'),
  });
  await writeFile(join(dir, 'reviews.csv.gz'), gz.subarray(0, gz.length >> 1));
  await probe(dir, ['run', 'gz.yaml'], {
    code: 1,
    messages: [/✖ data failed after .*: \S+\/reviews\.csv\.gz: the gzip data ends early; the file is truncated/],
  });
});

test('malformed JSON in a JSONL data file fails the load naming the file and line', async (t) => {
  const rows = ['{"text": "good film", "label": "positive"}', '{"text": "bad film", "label": negative}'];
  const dir = await project(t, {
    'rows.jsonl': `${rows.join('\n')}\n`,
    'j.yaml': pipeline('data: {kind: load, path: rows.jsonl, columns: {text: text, label: label}}'),
  });
  await probe(dir, ['run', 'j.yaml'], { code: 1, messages: [/data \(load\): failed — rows\.jsonl:2: not valid JSON/] });
});

test('an internal error or a usage error prints its stack trace only with --debug', async (t) => {
  const dir = await project(t, { 'a-file': 'x\n' });
  const plain = await runCli(dir, ['run', 'p.yaml', '--cache-dir', 'a-file']);
  assertAnswer(plain, { code: 2, messages: [/which is not a folder/] });
  const debug = await runCli(dir, ['--debug', 'run', 'p.yaml', '--cache-dir', 'a-file']);
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /which is not a folder/);
  assert.match(
    debug.stderr,
    /^\w*Error: --cache-dir names .*\n {4}at openCache \(/m,
    'the stack, from where it was thrown',
  );
  assert.match(debug.stderr, STACK_FRAME, 'what the probes look for is what --debug prints');
  const after = await runCli(dir, ['run', 'p.yaml', '--debug', '--cache-dir', 'a-file']);
  assert.equal(after.code, 2, '--debug after the command is taken too');
  assert.match(after.stderr, / {4}at openCache/);
});

test(
  'a full disk (ENOSPC) fails the stage with a message naming the folder it was writing',
  { skip: NO_NAMESPACES ?? false },
  async (t) => {
    const dir = await project(t, {
      'big.yaml': pipeline('data: {kind: load, path: big.csv, columns: {text: review, label: sentiment}}'),
      'big.csv': reviewsCsv(4000),
    });
    await mkdir(join(dir, 'small-cache'));
    const result = await runCliMounted(
      dir,
      ['mount -t tmpfs -o size=64k tmpfs small-cache'],
      ['run', 'big.yaml', '--cache-dir', 'small-cache'],
    );
    assertAnswer(result, {
      code: 1,
      messages: [
        /data \(load\): failed — cannot \w+ (a file in )?\S+\/small-cache\/\S+: no space left on the device \(ENOSPC\)/,
      ],
    });
  },
);

test(
  'a read-only cache serves a fully cached run (exit 0), and a stage that must run fails naming the path (EROFS)',
  { skip: NO_NAMESPACES ?? false },
  async (t) => {
    const dir = await project(t);
    await probe(dir, ['run', 'p.yaml'], { code: 0, messages: [/done: 2 ran, 0 cached/] });
    const readOnly = 'mount --bind .tfpipe .tfpipe && mount -o remount,bind,ro .tfpipe';
    // --verbose: the cached stages' figures, read from the read-only entries
    const cached = await runCliMounted(dir, [readOnly], ['run', 'p.yaml', '--verbose']);
    assertAnswer(cached, {
      code: 0,
      messages: [
        /done: 0 ran, 2 cached/,
        /train_rows 20 · valid_rows 0 · test_rows 20/,
        /could not record the run: cannot open \S+\/\.tfpipe\/runs\/\S+: the file system is read-only \(EROFS\)/,
      ],
    });
    const forced = await runCliMounted(dir, [readOnly], ['run', 'p.yaml', '--force=split']);
    assertAnswer(forced, {
      code: 1,
      messages: [
        /split \(split\): failed — cannot open \S+\/\.tfpipe\/cache\/locks\/\S+: the file system is read-only \(EROFS\)/,
      ],
    });
    // nothing of the read-only runs reached the cache or the registry
    const records = await runCli(dir, ['runs']);
    assert.equal((records.stdout.match(/^\d{8}-\d{6}-[0-9a-f]{4}/gm) ?? []).length, 1, records.stdout);
    assert.ok((await readFile(join(dir, 'reviews.csv'), 'utf8')).length > 0);
  },
);
