// The download path against a fake Hub on 127.0.0.1: resuming with Range after a dropped connection and after an
// abort, the sha256 check, redirects (relative, and to another origin without the token).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelFolder } from '../../../models/hub/resolve.ts';
import { HubError } from '../../../models/hub/errors.ts';
import { sha256Hex, startFakeHub, type FakeHub } from './fake-hub.ts';
import { cdnGets, fakeCommit, hubEnv, makeHubCache, removeHubCaches, TINY_DIR, tinyRepo } from './fixtures.ts';

const REPO = 'openai-community/tiny-gpt2';
let hub: FakeHub;
let weights: Buffer;

before(async () => {
  hub = await startFakeHub({ repos: { [REPO]: await tinyRepo('tiny') } });
  weights = await readFile(join(TINY_DIR, 'model.safetensors'));
});

after(async () => {
  await hub.close();
  await removeHubCaches();
});

const repoDir = (cache: string) => join(cache, 'models--openai-community--tiny-gpt2');
const incomplete = (cache: string) => join(repoDir(cache), 'blobs', `${sha256Hex(weights)}.incomplete`);

test('a connection dropped mid-file is resumed with Range and the file is whole', async () => {
  const cache = await makeHubCache();
  const from = cdnGets(hub).length;
  hub.faults.dropAfter = 1 << 20;
  const got = await resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent' });

  const gets = cdnGets(hub).slice(from);
  assert.equal(gets.length, 2, 'one failed GET, one resumed');
  assert.equal(gets[0].range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1 << 20, `resumed at ${gets[1].range}`);
  assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights);
});

test('an abort keeps the partial file; the next run asks only for the rest', async () => {
  const cache = await makeHubCache();
  const controller = new AbortController();
  hub.faults.stallAfter = 1 << 20;
  const progress = { start: () => {}, update: (done: number) => void (done >= 1 << 19 && controller.abort()) };
  await assert.rejects(
    resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent', signal: controller.signal, progress }),
    (error: Error) => error.name === 'AbortError',
  );
  const kept = (await stat(incomplete(cache))).size;
  assert.ok(kept > 0 && kept <= 1 << 20, `kept ${kept} bytes`);
  assert.equal(existsSync(join(repoDir(cache), 'snapshots')), false, 'nothing in snapshots/');
  assert.equal(existsSync(join(repoDir(cache), 'refs')), false, 'no ref');

  const from = cdnGets(hub).length;
  const got = await resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent' });
  assert.deepEqual(
    cdnGets(hub)
      .slice(from)
      .map((r) => r.range),
    [`bytes=${kept}-`],
  );
  assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights);
  assert.equal(existsSync(incomplete(cache)), false);
});

test('a server that ignores Range (200, not 206) makes the partial file start over', async () => {
  const cache = await makeHubCache();
  const controller = new AbortController();
  hub.faults.stallAfter = 1 << 20;
  const progress = { start: () => {}, update: (done: number) => void (done >= 1 << 19 && controller.abort()) };
  await assert.rejects(
    resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent', signal: controller.signal, progress }),
  );
  assert.ok((await stat(incomplete(cache))).size > 0);

  hub.faults.ignoreRange = true;
  const from = cdnGets(hub).length;
  const got = await resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent' });
  assert.equal(cdnGets(hub).slice(from).length, 1, 'the 200 answer is used, not re-requested');
  assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights);
});

test('bytes that do not match the sha256 etag are an error and leave nothing in snapshots/ or blobs/', async () => {
  const cache = await makeHubCache();
  hub.faults.corrupt = true;
  await assert.rejects(
    resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent' }),
    (error: unknown) => {
      assert.ok(error instanceof HubError && error.reason === 'checksum', String(error));
      assert.ok(error.message.includes(sha256Hex(weights)), error.message);
      return true;
    },
  );
  assert.equal(existsSync(join(repoDir(cache), 'snapshots')), false, 'nothing in snapshots/');
  const blobs = await readdir(join(repoDir(cache), 'blobs'));
  assert.ok(
    !blobs.some((name) => name.startsWith(sha256Hex(weights))),
    `no weights blob or partial file: ${blobs.join(', ')}`,
  );

  const got = await resolveModelFolder(REPO, { env: hubEnv(hub, cache), baseDir: '/nonexistent' });
  assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights, 'a clean retry succeeds');
});

test('HF_TOKEN goes to the endpoint as a Bearer token, never to a CDN on another origin', async () => {
  const cdn = await startFakeHub({ repos: { [REPO]: await tinyRepo('tiny') } });
  const origin = await startFakeHub({
    repos: { [REPO]: await tinyRepo('tiny') },
    lfsRedirect: { origin: cdn.endpoint },
  });
  try {
    const cache = await makeHubCache();
    const got = await resolveModelFolder(REPO, {
      env: hubEnv(origin, cache, { HF_TOKEN: 'hf_test' }),
      baseDir: '/nonexistent',
    });
    assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights);
    assert.ok(origin.requests.length > 0 && origin.requests.every((r) => r.authorization === 'Bearer hf_test'));
    assert.equal(cdnGets(cdn).length, 1);
    assert.ok(
      cdn.requests.every((r) => r.authorization === undefined),
      'no token sent to the CDN',
    );
  } finally {
    await Promise.all([cdn.close(), origin.close()]);
  }
});

test('a relative redirect for the LFS file is followed too, the metadata taken from the redirect', async () => {
  const relative = await startFakeHub({ repos: { [REPO]: await tinyRepo('tiny') }, lfsRedirect: 'relative' });
  try {
    const cache = await makeHubCache();
    const got = await resolveModelFolder(REPO, { env: hubEnv(relative, cache), baseDir: '/nonexistent' });
    assert.equal(got.revision, fakeCommit('tiny'));
    assert.deepEqual(await readFile(join(got.dir, 'model.safetensors')), weights);
  } finally {
    await relative.close();
  }
});
