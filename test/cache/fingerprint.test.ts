import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fingerprint } from '../../stages/stage.ts';
import {
  buildTree,
  fingerprintOf,
  hashFile,
  hashFileDependencies,
  resumeKey,
  type TreeParts,
} from '../../runner/cache/fingerprint.ts';
import { diffTrees, formatTreeChange } from '../../runner/cache/tree-diff.ts';
import { majorMinor, TFPIPE_MAJOR_MINOR } from '../../runner/cache/version.ts';

const UPSTREAM_A = 'a'.repeat(64) as Fingerprint;
const UPSTREAM_B = 'b'.repeat(64) as Fingerprint;

function parts(overrides: Partial<TreeParts> = {}): TreeParts {
  return {
    kind: 'vocab',
    version: 1,
    params: { min_freq: 5, max_size: 20000, lowercase: true },
    inputs: { input: UPSTREAM_A },
    files: {},
    backend: 'cpu',
    ...overrides,
  };
}

const fp = (overrides: Partial<TreeParts> = {}) => fingerprintOf(buildTree(parts(overrides)));

test('the fingerprint is a sha256 hex and stable under key order', () => {
  const reordered = fp({ params: { lowercase: true, max_size: 20000, min_freq: 5 } });
  assert.match(fp(), /^[0-9a-f]{64}$/);
  assert.equal(reordered, fp());
});

test('the fingerprint changes with a param, the version, an input, the backend, a file, tfpipe, the seed', () => {
  const base = fp();
  const variants = {
    param: fp({ params: { min_freq: 3, max_size: 20000, lowercase: true } }),
    addedParam: fp({ params: { min_freq: 5, max_size: 20000, lowercase: true, extra: 0 } }),
    version: fp({ version: 2 }),
    input: fp({ inputs: { input: UPSTREAM_B } }),
    port: fp({ inputs: { other: UPSTREAM_A } }),
    backend: fp({ backend: 'wasm' }),
    noBackend: fp({ backend: undefined }),
    file: fp({ files: { 'data/x.csv': 'c'.repeat(64) } }),
    tfpipe: fp({ tfpipe: '9.9' }),
    seed: fp({ seed: 7 }),
  };
  for (const [what, value] of Object.entries(variants)) assert.notEqual(value, base, what);
  assert.equal(new Set(Object.values(variants)).size, Object.keys(variants).length);
});

test('undefined params do not count; the tree records tfpipe major.minor from package.json', () => {
  assert.equal(fp({ params: { min_freq: 5, max_size: 20000, lowercase: true, note: undefined } }), fp());
  assert.equal(buildTree(parts()).tfpipe, TFPIPE_MAJOR_MINOR);
  assert.equal(majorMinor('1.4.2'), '1.4');
  assert.equal(majorMinor('0.10.0-beta.3'), '0.10');
});

test('diffTrees names the exact dotted path, old → new', () => {
  const before = buildTree(parts());
  const after = buildTree(
    parts({
      params: { min_freq: 3, max_size: 20000, lowercase: true },
      version: 2,
      inputs: { input: UPSTREAM_B },
      backend: 'wasm',
    }),
  );
  assert.deepEqual(diffTrees(before, after), [
    { path: 'backend', segments: ['backend'], change: 'changed', old: 'cpu', new: 'wasm' },
    { path: 'inputs.input', segments: ['inputs', 'input'], change: 'changed', old: UPSTREAM_A, new: UPSTREAM_B },
    { path: 'params.min_freq', segments: ['params', 'min_freq'], change: 'changed', old: 5, new: 3 },
    { path: 'version', segments: ['version'], change: 'changed', old: 1, new: 2 },
  ]);
  assert.deepEqual(diffTrees(before, before), []);
});

test('diffTrees reports added and removed keys, nested params and whole arrays', () => {
  const before = buildTree(parts({ params: { opt: { lr: 0.1, betas: [0.9, 0.99] } }, backend: undefined }));
  const after = buildTree(
    parts({
      params: { opt: { lr: 0.1, betas: [0.9, 0.999] }, epochs: 3 },
      backend: 'cpu',
      files: { 'data/a.csv': 'd'.repeat(64) },
    }),
  );
  const changes = diffTrees(before, after);
  assert.deepEqual(
    changes.map((c) => [c.path, c.change]),
    [
      ['backend', 'added'],
      ['files.data/a.csv', 'added'],
      ['params.epochs', 'added'],
      ['params.opt.betas', 'changed'],
    ],
  );
  assert.deepEqual(changes[1].segments, ['files', 'data/a.csv']);
  assert.deepEqual(
    diffTrees(after, before).map((c) => c.change),
    ['removed', 'removed', 'removed', 'changed'],
  );
  assert.equal(formatTreeChange(changes[3]), 'params.opt.betas: [0.9,0.99] → [0.9,0.999]');
  assert.equal(
    formatTreeChange(diffTrees(buildTree(parts()), buildTree(parts({ inputs: { input: UPSTREAM_B } })))[0]),
    'inputs.input: aaaaaaaaaa… → bbbbbbbbbb…',
  );
});

test('resumeKey ignores resume-compatible params only', () => {
  const five = buildTree(parts({ params: { epochs: 5, lr: 0.1 } }));
  const ten = buildTree(parts({ params: { epochs: 10, lr: 0.1 } }));
  const otherLr = buildTree(parts({ params: { epochs: 5, lr: 0.2 } }));
  assert.notEqual(fingerprintOf(five), fingerprintOf(ten));
  assert.equal(resumeKey(five, ['epochs']), resumeKey(ten, ['epochs']));
  assert.notEqual(resumeKey(five, ['epochs']), resumeKey(otherLr, ['epochs']));
  assert.notEqual(resumeKey(five, []), resumeKey(ten, []));
  assert.match(resumeKey(five, ['epochs']), /^[0-9a-f]{64}$/);
});

test('hashFile streams the same sha256 as hashing the whole buffer (empty, small, several chunks)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-hash-'));
  try {
    for (const size of [0, 1, 4 << 20, (9 << 20) + 12345]) {
      const bytes = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, bytes);
      assert.equal(await hashFile(path), createHash('sha256').update(bytes).digest('hex'), `size ${size}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hashFileDependencies hashes content (not mtime), keys paths relative to the pipeline folder, reports missing files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-deps-'));
  try {
    const path = join(dir, 'data', 'x.csv');
    await mkdir(join(dir, 'data'));
    await writeFile(path, 'a,b\n1,2\n');
    const first = await hashFileDependencies([{ path }], { baseDir: dir });
    assert.deepEqual(first, {
      ok: true,
      files: { 'data/x.csv': createHash('sha256').update('a,b\n1,2\n').digest('hex') },
    });
    await writeFile(path, 'a,b\n1,2\n'); // same bytes, new mtime
    assert.deepEqual(await hashFileDependencies([{ path }], { baseDir: dir }), first);
    await writeFile(path, 'a,b\n1,3\n');
    assert.notDeepEqual(await hashFileDependencies([{ path }], { baseDir: dir }), first);

    const outside = await hashFileDependencies([{ path }], { baseDir: join(dir, 'elsewhere') });
    assert.ok(outside.ok && Object.keys(outside.files)[0] === path);
    const pinned = await hashFileDependencies([{ path: join(dir, 'not-yet.bin'), sha256: 'E'.repeat(64) }], {
      baseDir: dir,
    });
    assert.deepEqual(pinned, { ok: true, files: { 'not-yet.bin': 'e'.repeat(64) } });
    const missing = await hashFileDependencies([{ path: join(dir, 'gone.csv') }], { baseDir: dir });
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok && missing.problem.code === 'file-missing' && missing.problem.message.includes('gone.csv'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file dependency with a key is named by the key, not by where the file lies', async () => {
  const pinned = '0'.repeat(64);
  const a = await hashFileDependencies([{ path: '/data/one/imdb.csv.gz', sha256: pinned, key: 'catalog:imdb/all' }], {
    baseDir: '/work/p',
  });
  const b = await hashFileDependencies([{ path: '/elsewhere/imdb.csv.gz', sha256: pinned, key: 'catalog:imdb/all' }], {
    baseDir: '/work/p',
  });
  assert.deepEqual(a, { ok: true, files: { 'catalog:imdb/all': pinned } });
  assert.deepEqual(b, a);
});
