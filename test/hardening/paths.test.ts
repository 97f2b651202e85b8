// Paths: no pipeline value, flag or file name makes tfpipe write or delete outside its own folders. A file named
// `...yaml` has the stem `..`; its metrics folder .tfpipe/metrics/../<stage> used to be removed and rewritten, so a
// stage `cache` replaced the whole cache and a stage `runs` the run registry. Validation refuses the name, and the
// confinement helper (lib/fs/confine.ts) refuses any path that leaves its root, symlinks included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertInside, confinedPath, PathEscapeError, removeConfined } from '../../lib/fs/confine.ts';
import { exportRunMetrics } from '../../runner/runs/metrics-export.ts';
import { makeCache, makeRecord, writeEntry } from '../runs/fixtures.ts';
import { makeProject, runCli } from '../cli/helpers.ts';
import { assertProbe, labelledCsv, loadPipeline } from './probe.ts';

/** A project that has run once: a cache entry, a run record and a metrics folder exist. */
async function projectWithHistory(
  files: Record<string, string>,
): Promise<{ dir: string; cacheEntries: string[]; runs: string[] }> {
  const dir = await makeProject({ 'd.csv': labelledCsv(), 'ok.yaml': loadPipeline('d.csv'), ...files });
  const first = await runCli(dir, ['run', 'ok.yaml']);
  assert.equal(first.code, 0, first.stderr);
  return {
    dir,
    cacheEntries: await readdir(join(dir, '.tfpipe/cache')),
    runs: await readdir(join(dir, '.tfpipe/runs')),
  };
}

for (const stage of ['cache', 'runs']) {
  test(`probe: a pipeline file named ...yaml with a stage \`${stage}\` is refused and .tfpipe/${stage} survives`, async () => {
    const { dir, cacheEntries, runs } = await projectWithHistory({ '...yaml': loadPipeline('d.csv', stage) });
    assertProbe(
      await runCli(dir, ['validate', '...yaml']),
      2,
      /pipeline file \S*\.\.\.yaml: the name `\.\.\.yaml` cannot be used: its stem "\.\." /,
    );
    assertProbe(await runCli(dir, ['run', '...yaml']), 2, /\.\.\.yaml: the name `\.\.\.yaml` cannot be used/);
    assert.deepEqual(await readdir(join(dir, '.tfpipe/cache')), cacheEntries, 'the cache is as it was');
    assert.deepEqual(await readdir(join(dir, '.tfpipe/runs')), runs, 'the run registry is as it was');
    assert.ok(!existsSync(join(dir, '.tfpipe/cache/metrics.json')));
  });
}

test('probe: a pipeline file named ..yaml (stem `.`) is refused, naming the file', async () => {
  const dir = await makeProject({ 'd.csv': labelledCsv(), '..yaml': loadPipeline('d.csv', 'metrics') });
  assertProbe(
    await runCli(dir, ['run', '..yaml']),
    2,
    /pipeline file \S*\.\.yaml: the name `\.\.yaml` cannot be used: its stem "\."/,
  );
  assert.ok(!existsSync(join(dir, '.tfpipe/runs')), 'nothing was recorded');
});

test('probe: a pipeline file name over 100 characters is refused, naming the file', async () => {
  const name = `${'p'.repeat(101)}.yaml`;
  const dir = await makeProject({ 'd.csv': labelledCsv(), [name]: loadPipeline('d.csv') });
  assertProbe(
    await runCli(dir, ['validate', name]),
    2,
    new RegExp(`${name}: the name .* its stem is 101 characters long \\(at most 100\\)`),
  );
});

test('probe: a 300-character stage id is refused at validate with its file:line:col, before anything runs', async () => {
  const id = `s${'x'.repeat(299)}`;
  const dir = await makeProject({ 'd.csv': labelledCsv(), 'p.yaml': loadPipeline('d.csv', id) });
  assertProbe(
    await runCli(dir, ['run', 'p.yaml']),
    2,
    new RegExp(`p\\.yaml:2:3: stage id \`${id}\` must NOT have more than 64 characters`),
  );
  assert.ok(!existsSync(join(dir, '.tfpipe/cache')), 'no stage ran');
});

test('probe: a stage id with a path in it, given by --set, is refused at its place in the argument', async () => {
  const dir = await makeProject({ 'd.csv': labelledCsv(), 'p.yaml': loadPipeline('d.csv') });
  const result = await runCli(dir, ['validate', 'p.yaml', '--set', 'stages./tmp/escape.kind=load']);
  assertProbe(result, 2, /--set:1:8: stage id `\/tmp\/escape` must match pattern/);
});

test('probe: a run record whose id is a path is not trusted: report writes nothing outside .tfpipe/reports', async () => {
  const { dir } = await projectWithHistory({});
  const forged = { ...makeRecord('20261128-071502-ab12'), id: '../../../escaped', started: '2099-01-01T00:00:00.000Z' };
  await writeFile(join(dir, '.tfpipe/runs/forged.json'), JSON.stringify(forged));
  const listed = await runCli(dir, ['runs']);
  assertProbe(listed, 0, /forged\.json.*its id "\.\.\/\.\.\/\.\.\/escaped" is not a run id/s);
  const report = await runCli(dir, ['report']);
  assertProbe(report, 0, /written to \.tfpipe\/reports\/\d{8}-\d{6}-[0-9a-f]{4}\.html/);
  assert.ok(!existsSync(join(dir, '..', 'escaped.html')) && !existsSync(join(dir, 'escaped.html')));
});

test('probe: report --out into a folder that does not exist is refused (exit 2) and creates no folder', async () => {
  const { dir } = await projectWithHistory({});
  assertProbe(
    await runCli(dir, ['report', '--out', 'no/such/report.html']),
    2,
    /--out no\/such\/report\.html: the folder \S*no\/such does not exist/,
  );
  assert.ok(!existsSync(join(dir, 'no')), 'no folder was made');
  await mkdir(join(dir, 'out'));
  assertProbe(await runCli(dir, ['report', '--out', 'out/report.html']), 0, /written to out\/report\.html/);
});

test('the confinement helper refuses a path that leaves its root, the root itself, and a symlink that leads out', async () => {
  const base = await mkdtemp(join(tmpdir(), 'tfpipe-confine-'));
  const root = join(base, '.tfpipe', 'metrics');
  await mkdir(join(base, '.tfpipe', 'cache'), { recursive: true });
  await mkdir(root, { recursive: true });
  assert.equal(confinedPath(root, 'lab1', 'train'), join(root, 'lab1', 'train'));
  assert.throws(
    () => confinedPath(root, '..', 'cache'),
    (e: unknown) =>
      e instanceof PathEscapeError &&
      /refusing to touch \S+\/\.tfpipe\/cache: it is not inside \S+\/\.tfpipe\/metrics$/.test(e.message),
  );
  assert.throws(() => confinedPath(root, '..'), PathEscapeError);
  assert.throws(() => confinedPath(root, '.'), PathEscapeError, 'the root itself is not inside it');
  assert.throws(() => confinedPath(root, '/etc'), PathEscapeError);
  assert.throws(() => confinedPath(root, 'a/../../runs'), PathEscapeError);
  await symlink(join(base, '.tfpipe', 'cache'), join(root, 'lab1'));
  assert.throws(
    () => assertInside(root, join(root, 'lab1', 'train')),
    (e: unknown) => e instanceof PathEscapeError && /through a symlink/.test(e.message),
  );
  await assert.rejects(removeConfined(root, join(root, 'lab1', 'x')), PathEscapeError);
  await assert.rejects(removeConfined(root, join(root, '..', 'cache')), PathEscapeError);
  assert.ok(existsSync(join(base, '.tfpipe', 'cache')), 'nothing outside the root was removed');
});

test('the metrics export refuses a record whose pipeline stem or stage id would leave .tfpipe/metrics', async () => {
  const cache = await makeCache();
  const entry = await writeEntry(cache, { kind: 'train', params: {} }, { 'metrics.json': '{"acc": 1}' }, { acc: 1 });
  const stage = (id: string) => ({
    id,
    kind: 'train',
    fingerprint: entry.fingerprint,
    action: 'cached' as const,
    seconds: 0,
    metrics: { acc: 1 },
    summary: [],
  });
  const escapes = [
    makeRecord('20261128-071502-ab12', {
      pipeline: { file: '/p/...yaml', name: 'x' },
      cacheRoot: cache.root,
      stages: [stage('cache')],
    }),
    makeRecord('20261128-071502-ab13', {
      pipeline: { file: '/p/...yaml', name: 'x' },
      cacheRoot: cache.root,
      stages: [stage('../../cache')],
    }),
  ];
  for (const record of escapes) await assert.rejects(exportRunMetrics(record), PathEscapeError);
  assert.ok((await readdir(cache.root)).includes(entry.fingerprint), 'the cache entry is still there');
});
