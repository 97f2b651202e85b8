// TFPIPE_DATA: relative to where the command is typed; one that names no folder is a warning naming it, and a
// catalog dataset that then cannot be downloaded fails with a message saying what TFPIPE_DATA should hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';

const PIPELINE = `name: data-root
stages:
  imdb: {kind: load, dataset: imdb}
`;

test('a TFPIPE_DATA that does not exist is a warning naming it, on every command that reads the pipeline', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE });
  for (const command of ['status', 'validate']) {
    const run = await runCli(dir, [command, 'p.yaml'], { TFPIPE_DATA: 'no/such/folder' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^warning: TFPIPE_DATA=\S*\/no\/such\/folder does not exist; imdb will be downloaded \(or taken from the cache\) instead$/m,
      command,
    );
  }
});

test('then a download that fails says what TFPIPE_DATA should hold, and no stack trace', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE });
  // Port 9 on 127.0.0.1 (discard) refuses the connection at once: no network is needed to fail.
  const run = await runCli(dir, ['run', 'p.yaml'], {
    TFPIPE_DATA: 'no/such/folder',
    TFPIPE_IMDB_URL: 'http://127.0.0.1:9/aclImdb_v1.tar.gz',
  });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /TFPIPE_DATA=\S*no\/such\/folder does not exist; using the download of imdb instead/);
  assert.match(
    run.stdout,
    /download http:\/\/127\.0\.0\.1:9\/aclImdb_v1\.tar\.gz: .*; TFPIPE_DATA=\S*no\/such\/folder does not exist: point it at a folder holding imdb\/IMDB_Dataset\.csv\.gz to read imdb without a download/,
  );
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /);
});

test('a relative TFPIPE_DATA is taken from where the command is typed, not from the pipeline file', async () => {
  const dir = await makeProject({});
  await mkdir(join(dir, 'pipelines'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'pipelines/p.yaml'), PIPELINE);
  const run = await runCli(dir, ['status', 'pipelines/p.yaml'], { TFPIPE_DATA: 'data' });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /TFPIPE_DATA/, 'data/ exists beside the pipelines folder: no warning');
  const inside = await runCli(join(dir, 'pipelines'), ['status', 'p.yaml'], { TFPIPE_DATA: 'data' });
  assert.match(inside.stderr, /^warning: TFPIPE_DATA=\S*\/pipelines\/data does not exist/m);
});
