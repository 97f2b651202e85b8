// Only regular files are read. A FIFO blocks open() until a writer comes (an `extends:` naming one used to hang and
// ignore SIGTERM), /dev/zero never ends, a socket cannot be opened: pipeline files, `extends` bases, data files and
// model files are stat()ed first (symlinks followed) and refused by name. None of these probes may block: a
// regression shows as a test that never finishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFileDependencies } from '../../runner/cache/fingerprint.ts';
import { resolveModelFolder } from '../../models/hub/resolve.ts';
import { NotRegularFileError, readRegularFile } from '../../lib/fs/regular-file.ts';
import { readDecodedBuffer } from '../../stages/data/read-file.ts';
import { makeProject, runCli } from '../cli/helpers.ts';
import { assertProbe, labelledCsv, loadPipeline } from './probe.ts';

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

test('probe: `extends:` naming a FIFO is refused at the extends line, without blocking', async () => {
  const dir = await makeProject({ 'd.csv': labelledCsv(), 'p.yaml': `extends: base.yaml\n${loadPipeline('d.csv')}` });
  mkfifo(join(dir, 'base.yaml'));
  assertProbe(
    await runCli(dir, ['validate', 'p.yaml']),
    2,
    /p\.yaml:1:10: cannot read pipeline file \S*base\.yaml: it is a FIFO \(named pipe\), not a regular file/,
  );
  assertProbe(
    await runCli(dir, ['run', 'p.yaml']),
    2,
    /p\.yaml:1:10: cannot read pipeline file \S*base\.yaml: it is a FIFO/,
  );
});

test('probe: `extends: /dev/zero` is refused at the extends line', async () => {
  const dir = await makeProject({ 'd.csv': labelledCsv(), 'p.yaml': `extends: /dev/zero\n${loadPipeline('d.csv')}` });
  assertProbe(
    await runCli(dir, ['validate', 'p.yaml']),
    2,
    /p\.yaml:1:10: cannot read pipeline file \/dev\/zero: it is a character device, not a regular file/,
  );
});

test('probe: a pipeline file that is a FIFO is refused, naming it', async () => {
  const dir = await makeProject({});
  mkfifo(join(dir, 'p.yaml'));
  assertProbe(
    await runCli(dir, ['validate', 'p.yaml']),
    2,
    /cannot read pipeline file \S*p\.yaml: it is a FIFO \(named pipe\), not a regular file/,
  );
});

for (const [what, make, found] of [
  ['/dev/zero', async (_dir: string) => '/dev/zero', 'a character device'],
  [
    'a symlink to /dev/zero',
    async (dir: string) => (await symlink('/dev/zero', join(dir, 'zero.csv')), 'zero.csv'),
    'a character device',
  ],
  ['a FIFO', async (dir: string) => (mkfifo(join(dir, 'fifo.csv')), 'fifo.csv'), 'a FIFO \\(named pipe\\)'],
  ['a folder', async (dir: string) => (await mkdir(join(dir, 'folder.csv')), 'folder.csv'), null],
] as const) {
  test(`probe: a load path that is ${what} is refused at validate and run, at its file:line:col`, async () => {
    const dir = await makeProject({});
    const path = await make(dir);
    await writeFile(join(dir, 'p.yaml'), loadPipeline(path));
    const message = found
      ? new RegExp(`p\\.yaml:4:11: \`data\\.path\`: ${path.replace(/\//g, '\\/')} is ${found}, not a regular file`)
      : /p\.yaml:4:11: `data\.path`: folder\.csv is a folder, not a data file/;
    assertProbe(await runCli(dir, ['validate', 'p.yaml']), 2, message);
    assertProbe(await runCli(dir, ['run', 'p.yaml']), 2, message);
  });
}

test('probe: a load path that is a socket is refused at its file:line:col', async (t) => {
  const dir = await makeProject({});
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'sock.csv'), resolve));
  t.after(() => server.close());
  await writeFile(join(dir, 'p.yaml'), loadPipeline('sock.csv'));
  assertProbe(
    await runCli(dir, ['validate', 'p.yaml']),
    2,
    /p\.yaml:4:11: `data\.path`: sock\.csv is a socket, not a regular file/,
  );
});

const MODEL_CONFIG = JSON.stringify({
  model_type: 'gpt2',
  n_layer: 1,
  n_head: 1,
  n_embd: 4,
  n_positions: 8,
  vocab_size: 10,
});

test('probe: a model folder whose model.safetensors links to /dev/zero is refused, naming the file', async () => {
  const dir = await makeProject({ 'p.yaml': 'stages:\n  g: {kind: generate, base: model, prompts: ["hi"]}\n' });
  await mkdir(join(dir, 'model'));
  await writeFile(join(dir, 'model/config.json'), MODEL_CONFIG);
  await symlink('/dev/zero', join(dir, 'model/model.safetensors'));
  const message =
    /p\.yaml:2:29: `g\.base`: model folder model: \S*model\/model\.safetensors is a character device, not a regular file/;
  assertProbe(await runCli(dir, ['validate', 'p.yaml']), 2, message);
  assertProbe(await runCli(dir, ['run', 'p.yaml']), 2, message);
});

test('probe: a model folder whose config.json is a FIFO is refused, naming the file', async () => {
  const dir = await makeProject({ 'p.yaml': 'stages:\n  g: {kind: generate, base: model, prompts: ["hi"]}\n' });
  await mkdir(join(dir, 'model'));
  mkfifo(join(dir, 'model/config.json'));
  assertProbe(
    await runCli(dir, ['validate', 'p.yaml']),
    2,
    /p\.yaml:2:29: `g\.base`: model folder model: \S*model\/config\.json is a FIFO \(named pipe\), not a regular file/,
  );
});

// Past validation (a file swapped after it, or a caller that does not validate): the readers refuse too.
test('the run-time readers refuse a FIFO and /dev/zero without blocking: hashing, data reads, model folders', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-special-'));
  const fifo = join(dir, 'fifo');
  mkfifo(fifo);
  const hashed = await hashFileDependencies([{ path: fifo }], { baseDir: dir });
  assert.deepEqual(hashed, {
    ok: false,
    problem: {
      code: 'file-unreadable',
      path: fifo,
      message: `input file ${fifo} is a FIFO (named pipe), not a regular file`,
    },
  });
  await assert.rejects(
    readDecodedBuffer(fifo),
    (e: unknown) =>
      e instanceof NotRegularFileError && e.message === `${fifo} is a FIFO (named pipe), not a regular file`,
  );
  await assert.rejects(readRegularFile('/dev/zero'), /\/dev\/zero is a character device, not a regular file/);
  const model = join(dir, 'model');
  await mkdir(model);
  await writeFile(join(model, 'config.json'), MODEL_CONFIG);
  await symlink('/dev/zero', join(model, 'model.safetensors'));
  await assert.rejects(
    resolveModelFolder(model, { env: {}, baseDir: dir }),
    /model\.safetensors is a character device, not a regular file/,
  );
});

test('probe: a model `base` that is itself a FIFO or /dev/zero is refused as not a model folder, saying what it is', async () => {
  const dir = await makeProject({
    'p.yaml':
      'stages:\n  g: {kind: generate, base: ./pipe, prompts: ["hi"]}\n  z: {kind: generate, base: /dev/zero, prompts: ["hi"]}\n',
  });
  mkfifo(join(dir, 'pipe'));
  const result = await runCli(dir, ['validate', 'p.yaml']);
  assertProbe(result, 2, /p\.yaml:2:29: `g\.base`: \.\/pipe is a FIFO \(named pipe\), not a model folder/);
  assert.match(result.stderr, /p\.yaml:3:29: `z\.base`: \/dev\/zero is a character device, not a model folder/);
});
