import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheStore, type Produce } from '../../runner/cache/store.ts';
import { resumeKey } from '../../runner/cache/fingerprint.ts';
import { TFPIPE_VERSION } from '../../runner/cache/version.ts';
import type { Fingerprint } from '../../stages/stage.ts';
import { makeCacheRoot, namesIn, removeCacheRoots, sampleTree } from './helpers.ts';

after(removeCacheRoots);

const VOCAB = '{"the":0,"a":1}\n';
const COUNTS = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

const produceVocab: Produce = async (outDir) => {
  await writeFile(join(outDir, 'vocab.json'), VOCAB);
  await mkdir(join(outDir, 'extra'));
  await writeFile(join(outDir, 'extra', 'counts.bin'), COUNTS);
  return { metrics: { size: 2 }, summary: ['2 words'] };
};

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

test('write then lookup round-trips the outputs and the manifest', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });

  const written = await store.write(fp, tree, produceVocab);
  assert.equal(written.origin, 'written');
  assert.equal(written.dir, join(store.root, fp));
  assert.equal(written.outDir, join(store.root, fp, 'out'));

  const found = await store.lookup(fp);
  assert.equal(found.status, 'hit');
  if (found.status !== 'hit') return;
  assert.equal(await readFile(join(found.outDir, 'vocab.json'), 'utf8'), VOCAB);
  assert.deepEqual(new Uint8Array(await readFile(join(found.outDir, 'extra', 'counts.bin'))), COUNTS);
  const m = found.manifest;
  assert.deepEqual(m.files, {
    'extra/counts.bin': { sha256: sha(COUNTS), size: 8 },
    'vocab.json': { sha256: sha(VOCAB), size: VOCAB.length },
  });
  assert.deepEqual(m.tree, tree);
  assert.equal(m.fingerprint, fp);
  assert.deepEqual(m.metrics, { size: 2 });
  assert.deepEqual(m.summary, ['2 words']);
  assert.equal(m.tfpipe, TFPIPE_VERSION);
  assert.ok(Date.parse(m.finished) >= Date.parse(m.started) && m.durationMs >= 0);
  assert.deepEqual(JSON.parse(await readFile(join(found.dir, 'manifest.json'), 'utf8')), m);
  assert.deepEqual(await store.peek(fp), m);
  // Nothing else is left around: no temp folder, no lock.
  assert.deepEqual(await namesIn(store.tmpRoot), []);
  assert.deepEqual(await namesIn(store.lockRoot), []);
});

test('a second write of a present entry reuses it without calling produce', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  await store.write(fp, tree, produceVocab);
  let called = false;
  const again = await store.write(fp, tree, async () => {
    called = true;
    return {};
  });
  assert.equal(called, false);
  assert.equal(again.origin, 'reused');
  assert.equal(again.waited, false);
});

test('a flipped byte in an output makes the entry corrupt, naming the file; write then replaces it', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  const { outDir } = await store.write(fp, tree, produceVocab);
  const path = join(outDir, 'extra', 'counts.bin');
  const handle = await open(path, 'r+');
  await handle.write(new Uint8Array([COUNTS[3] ^ 0x01]), 0, 1, 3);
  await handle.close();

  const found = await store.lookup(fp);
  assert.equal(found.status, 'corrupt');
  assert.ok(found.status === 'corrupt');
  assert.equal(found.code, 'hash-mismatch');
  assert.equal(found.file, 'extra/counts.bin');
  assert.match(found.reason, /extra\/counts\.bin/);

  const rewritten = await store.write(fp, tree, produceVocab);
  assert.equal(rewritten.origin, 'written');
  assert.equal(rewritten.replacedCorrupt?.file, 'extra/counts.bin');
  assert.equal((await store.lookup(fp)).status, 'hit');
  assert.deepEqual(await namesIn(store.tmpRoot), []);
});

test('missing, extra, resized files and a missing or foreign manifest are corrupt, each named', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const cases: [string, (outDir: string, dir: string) => Promise<void>, string, string | undefined][] = [
    ['missing file', (out) => unlink(join(out, 'vocab.json')), 'file-missing', 'vocab.json'],
    ['extra file', (out) => writeFile(join(out, 'stray.txt'), 'x'), 'file-extra', 'stray.txt'],
    ['truncated file', (out) => writeFile(join(out, 'vocab.json'), VOCAB.slice(0, 4)), 'size-mismatch', 'vocab.json'],
    ['no manifest', (_out, dir) => unlink(join(dir, 'manifest.json')), 'manifest-missing', undefined],
    [
      'broken manifest',
      (_out, dir) => writeFile(join(dir, 'manifest.json'), '{"format":'),
      'manifest-invalid',
      undefined,
    ],
  ];
  for (const [i, [label, damage, code, file]] of cases.entries()) {
    const { tree, fp } = sampleTree({ case: i });
    const { outDir, dir } = await store.write(fp, tree, produceVocab);
    await damage(outDir, dir);
    const found = await store.lookup(fp);
    assert.equal(found.status, 'corrupt', label);
    assert.ok(found.status === 'corrupt');
    assert.equal(found.code, code, label);
    assert.equal(found.file, file, label);
  }
  // A manifest copied from another entry does not vouch for this one.
  const a = sampleTree({ which: 'a' });
  const b = sampleTree({ which: 'b' });
  const entryA = await store.write(a.fp, a.tree, produceVocab);
  const entryB = await store.write(b.fp, b.tree, produceVocab);
  await writeFile(join(entryB.dir, 'manifest.json'), await readFile(join(entryA.dir, 'manifest.json')));
  const found = await store.lookup(b.fp);
  assert.ok(found.status === 'corrupt' && found.code === 'fingerprint-mismatch');
});

test('an entry folder without a manifest (partial entry) is corrupt, never a hit', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  await mkdir(join(store.root, fp, 'out'), { recursive: true });
  await writeFile(join(store.root, fp, 'out', 'vocab.json'), VOCAB);
  const found = await store.lookup(fp);
  assert.ok(found.status === 'corrupt' && found.code === 'manifest-missing', JSON.stringify(found));
  assert.match(found.reason, /manifest\.json/);
  const written = await store.write(fp, tree, produceVocab);
  assert.equal(written.replacedCorrupt?.code, 'manifest-missing');
});

test('an exception inside produce leaves no entry, no temp folder and no lock, and rejects with that error', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  const boom = new Error('stage blew up');
  await assert.rejects(
    store.write(fp, tree, async (outDir) => {
      await writeFile(join(outDir, 'vocab.json'), 'half');
      throw boom;
    }),
    (error) => error === boom,
  );
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
  assert.deepEqual(await namesIn(store.lockRoot), []);
  assert.deepEqual(await namesIn(store.root), ['locks', 'tmp']);
});

test('aborting mid-produce leaves nothing, even when produce resolves anyway', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  const controller = new AbortController();
  await assert.rejects(
    store.write(
      fp,
      tree,
      async (outDir) => {
        await writeFile(join(outDir, 'vocab.json'), 'partial');
        controller.abort();
        return {}; // a stage that ignores the signal and returns early
      },
      { signal: controller.signal },
    ),
    { name: 'AbortError' },
  );
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
  assert.deepEqual(await namesIn(store.lockRoot), []);
});

test('scratch is handed to produce and is not part of the entry', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  let scratch = '';
  const entry = await store.write(fp, tree, async (outDir, ctx) => {
    scratch = ctx.scratchDir;
    await writeFile(join(ctx.scratchDir, 'download.part'), 'tmp');
    return produceVocab(outDir, ctx);
  });
  assert.deepEqual(Object.keys(entry.manifest.files), ['extra/counts.bin', 'vocab.json']);
  await assert.rejects(stat(scratch), { code: 'ENOENT' });
});

test('an output that is a symlink fails the write and leaves nothing', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  await assert.rejects(
    store.write(fp, tree, async (outDir) => {
      await symlink('/etc/hostname', join(outDir, 'link'));
      return {};
    }),
    /link is not a regular file/,
  );
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
});

test('remove deletes the entry; checkpointDir persists per resume key', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree, fp } = sampleTree();
  await store.write(fp, tree, produceVocab);
  assert.equal(await store.remove(fp), true);
  assert.equal(await store.remove(fp), false);
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });

  const key = resumeKey(tree, ['min_freq']);
  const dir = await store.checkpointDir(key);
  assert.equal(dir, join(store.root, 'checkpoints', key));
  await writeFile(join(dir, 'step-10.safetensors'), 'x');
  assert.equal(await store.checkpointDir(key), dir);
  assert.deepEqual(await namesIn(dir), ['step-10.safetensors']);
});

test('write refuses a tree that does not hash to the fingerprint', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const { tree } = sampleTree();
  const other = sampleTree({ min_freq: 1 });
  await assert.rejects(store.write(other.fp, tree, produceVocab), /does not hash/);
});

test('names that are not fingerprints are refused, so no lookup can reach tmp/ or outside the root', async () => {
  const store = new CacheStore(await makeCacheRoot());
  for (const bad of ['tmp', '../x', 'A'.repeat(64), `${'a'.repeat(64)}/vocab`]) {
    await assert.rejects(store.lookup(bad as Fingerprint), /not a stage fingerprint/);
  }
});
