// The packed package stands alone: `npm pack` gives a tarball that installs into an empty folder (its dependencies
// from a registry on 127.0.0.1 that serves package-lock.json's packages and npm's own cache; any other host is
// unreachable through a dead proxy), and there `tfpipe --help`, the quickstart and predict run, and the schema
// named by the pipelines' editor line is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/context.ts';
import { startPackumentServer } from './packument-server.ts';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

const ENV = { ...process.env, CI: '1', TFPIPE_CACHE: '' };

function run(command: string, args: string[], cwd: string): Ran {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', env: ENV, maxBuffer: 64 << 20 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** As run(), without blocking this process: the registry npm talks to is served from it. */
function runAsync(command: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('npm pack → install into an empty folder → tfpipe --help, the quickstart and predict run there', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-pack-'));
  const packed = run(NPM, ['pack', '--pack-destination', root, '--silent'], REPO_ROOT);
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = join(root, packed.stdout.trim().split('\n').pop()!);

  const app = join(root, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), '{"name": "app", "private": true}\n');
  const registry = run(NPM, ['config', 'get', 'registry'], REPO_ROOT).stdout.trim();
  const server = await startPackumentServer(join(REPO_ROOT, 'package-lock.json'), registry);
  try {
    const deadProxy = 'http://127.0.0.1:9';
    const args = [
      'install',
      tarball,
      '--registry',
      server.url,
      '--prefer-offline',
      '--fetch-retries',
      '0',
      '--proxy',
      deadProxy,
      '--https-proxy',
      deadProxy,
      '--noproxy',
      '127.0.0.1',
      '--no-audit',
      '--no-fund',
    ];
    const installed = await runAsync(NPM, args, app);
    assert.equal(
      installed.status,
      0,
      `npm install failed (a dependency missing from npm's cache? run npm ci first):\n${installed.stderr}`,
    );
  } finally {
    await server.close();
  }
  const installedFiles = await readdir(join(app, 'node_modules/tfpipe'));
  assert.ok(
    !installedFiles.includes('test') && !installedFiles.includes('bench'),
    'tests and benchmarks stay out of the package',
  );

  const tfpipe = join(app, 'node_modules/.bin/tfpipe');
  const help = run(tfpipe, ['--help'], app);
  assert.equal(help.status, 0, help.stderr);
  for (const command of ['run', 'predict', 'export']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));

  const quickstart = join(app, 'node_modules/tfpipe/pipelines/quickstart.yaml');
  const schemaLine = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(quickstart, 'utf8'));
  assert.ok(schemaLine, 'the quickstart names its schema for editors');
  const schema = resolve(dirname(quickstart), schemaLine[1]);
  assert.ok(existsSync(schema), `the editor line's schema is installed: ${schema}`);
  assert.equal(JSON.parse(readFileSync(schema, 'utf8')).title, 'tfpipe pipeline');

  const ran = run(tfpipe, ['run', quickstart], app);
  assert.equal(ran.status, 0, ran.stdout + ran.stderr);
  const accuracy = Number(/test_acc ([\d.]+)/.exec(ran.stdout)?.[1]);
  assert.ok(accuracy > 0.6, `the quickstart learns (test accuracy ${accuracy}, chance 0.5)`);
  const predicted = run(tfpipe, ['predict', quickstart, 'train', 'A wonderful, moving film.'], app);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.match(
    predicted.stdout,
    /^(positive|negative) \(negative 0\.\d{4}, positive 0\.\d{4}\): "A wonderful, moving film\."$/m,
  );
});
