// pullEntry and pushEntry against an S3 server on 127.0.0.1: what a remote manifest may not do (name a path outside
// the entry, describe another fingerprint, point at a blob that is not there) and what an unreachable remote is;
// and parseS3Url's answers. The acceptance tests through the CLI are in test/cli/remote.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CacheStore, type CacheEntry, type Manifest } from '../../../runner/cache/store.ts';
import { pullEntry } from '../../../runner/cache/remote/pull.ts';
import { pushEntry } from '../../../runner/cache/remote/push.ts';
import { blobKey, manifestKey } from '../../../runner/cache/remote/layout.ts';
import { parseS3Url } from '../../../runner/cache/remote/s3-url.ts';
import { RemoteError, type ObjectStore } from '../../../runner/cache/remote/object-store.ts';
import { makeCacheRoot, namesIn, removeCacheRoots, sampleTree } from '../helpers.ts';
import { putSettled, useS3Server, type S3Server } from './s3-server.ts';

const s3 = useS3Server();
after(removeCacheRoots);

let prefixes = 0;
/** A local entry with two files (one in a sub-folder), pushed to a fresh prefix. */
async function pushed(s: S3Server): Promise<{ remote: ObjectStore; entry: CacheEntry }> {
  const remote = await s.store(`unit-${++prefixes}-${process.pid}`);
  const { tree, fp } = sampleTree({ n: prefixes });
  const entry = await new CacheStore(await makeCacheRoot()).write(fp, tree, async (outDir) => {
    await writeFile(join(outDir, 'vocab.json'), '{"a": 1}');
    await mkdir(join(outDir, 'sub'));
    await writeFile(join(outDir, 'sub/extra.txt'), 'extra');
    return {};
  });
  assert.equal((await pushEntry(remote, entry)).status, 'pushed');
  return { remote, entry };
}

async function putManifest(remote: ObjectStore, manifest: Manifest): Promise<void> {
  await putSettled(remote, manifestKey(manifest.fingerprint), Buffer.from(JSON.stringify(manifest)));
}

test('a pushed entry pulls into an empty cache, files and manifest identical; a second push is a no-op', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { remote, entry } = await pushed(s);
  assert.deepEqual(await pushEntry(remote, entry), { status: 'present' });
  const cache = new CacheStore(await makeCacheRoot());
  const got = await pullEntry(remote, cache, entry.fingerprint, 'vocab');
  assert.equal(got.status, 'pulled');
  assert.deepEqual((await cache.lookup(entry.fingerprint)).status, 'hit');
  assert.deepEqual((await cache.peek(entry.fingerprint))?.files, entry.manifest.files);
  assert.equal((await pullEntry(remote, cache, entry.fingerprint, 'vocab')).status, 'local');
  assert.deepEqual(await namesIn(cache.tmpRoot), [], 'no temp folder left');
});

test('a remote manifest that names a path outside its entry is refused before anything is downloaded', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { remote, entry } = await pushed(s);
  const cacheRoot = await makeCacheRoot();
  for (const name of ['../escape.txt', '/etc/passwd', 'sub/../../x', 'a\\b', '']) {
    const forged = structuredClone(entry.manifest);
    forged.files = { [name]: entry.manifest.files['vocab.json'] };
    await putManifest(remote, forged);
    const got = await pullEntry(remote, new CacheStore(cacheRoot), entry.fingerprint, 'vocab');
    assert.equal(got.status, 'unusable', name);
    assert.match((got as { reason: string }).reason, /^remote entry [0-9a-f]{12} \(stage vocab\): manifest.json names/);
  }
  // Refused before the local cache is touched: not even its folder was made, let alone a file outside it.
  assert.deepEqual(await namesIn(dirname(cacheRoot)), []);
  assert.deepEqual(await namesIn(join(cacheRoot, 'tmp')), []);
});

test('a manifest of another fingerprint, or one whose blob is missing, is unusable and leaves nothing', async (t) => {
  const s = s3(t);
  if (!s) return;
  const { remote, entry } = await pushed(s);
  const cache = new CacheStore(await makeCacheRoot());
  const other = sampleTree({ other: true });
  const foreign = structuredClone(entry.manifest);
  foreign.fingerprint = other.fp;
  await putManifest(remote, foreign);
  const got = await pullEntry(remote, cache, other.fp, 'vocab');
  assert.deepEqual(got, {
    status: 'unusable',
    reason: `remote entry ${other.fp.slice(0, 12)} (stage vocab): manifest.json describes another fingerprint`,
  });

  const missing = structuredClone(entry.manifest);
  missing.files['gone.bin'] = { sha256: 'f'.repeat(64), size: 3 };
  await putManifest(remote, missing);
  const partial = await pullEntry(remote, cache, entry.fingerprint, 'vocab');
  assert.equal(partial.status, 'unusable');
  assert.match((partial as { reason: string }).reason, /out\/gone.bin is missing on the remote/);
  assert.equal((await cache.lookup(entry.fingerprint)).status, 'miss');
  assert.deepEqual(await namesIn(cache.tmpRoot), []);
  assert.ok(await remote.exists(blobKey(entry.fingerprint, entry.manifest.files['vocab.json'].sha256)));
});

test('a remote that cannot be reached is a RemoteError naming it', async (t) => {
  const s = s3(t);
  if (!s) return;
  const remote = await s.store('nowhere', 'http://127.0.0.1:9'); // the discard port: nothing listens there
  const { fp } = sampleTree({ unreachable: true });
  await assert.rejects(
    pullEntry(remote, new CacheStore(await makeCacheRoot()), fp, 'vocab'),
    (error: Error) => error instanceof RemoteError && error.message.startsWith('s3://tfpipe-test/nowhere: could not'),
  );
});

test('parseS3Url: bucket and prefix, and one line for what is wrong', () => {
  assert.deepEqual(parseS3Url('s3://ml-cache/team/tfpipe/'), {
    ok: true,
    value: { bucket: 'ml-cache', prefix: 'team/tfpipe' },
  });
  assert.deepEqual(parseS3Url('s3://ml-cache'), { ok: true, value: { bucket: 'ml-cache', prefix: '' } });
  assert.equal(parseS3Url('https://ml-cache/x').ok, false);
  assert.match((parseS3Url('s3://My_Bucket/x') as { error: string }).error, /not an S3 bucket name/);
  assert.match((parseS3Url('s3://ml-cache/a/../b') as { error: string }).error, /'\.\.' part/);
});
