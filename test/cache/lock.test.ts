import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock, readLockOwner, tryAcquireLock } from '../../lib/fs/lock.ts';
import { CacheStore } from '../../runner/cache/store.ts';
import { HOST_TAG, ownedName, parseOwnedName } from '../../lib/fs/owner.ts';
import { makeCacheRoot, namesIn, removeCacheRoots } from './helpers.ts';

after(removeCacheRoots);

test('a held lock makes the next acquirer wait until it is released', async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const first = await acquireLock(path);
  assert.ok(first.status === 'acquired' && !first.waited);
  assert.deepEqual(await readLockOwner(path), first.lock.owner);
  assert.equal(first.lock.owner.pid, process.pid);

  const events: string[] = [];
  const second = acquireLock(path, { onWait: () => events.push('waiting') }).then((r) => (events.push('acquired'), r));
  assert.equal((await tryAcquireLock(path)).status, 'held');
  // Release only after the second acquirer has reported that it waits.
  while (events.length === 0) await new Promise((resolve) => setImmediate(resolve));
  await first.lock.release();
  const got = await second;
  assert.deepEqual(events, ['waiting', 'acquired']);
  assert.ok(got.status === 'acquired' && got.waited);
  await got.lock.release();
  assert.deepEqual(await namesIn(dir), []);
});

test('waiting for a lock stops when the signal fires', async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const first = await acquireLock(path);
  assert.ok(first.status === 'acquired');
  const controller = new AbortController();
  const second = await acquireLock(path, { signal: controller.signal, onWait: () => controller.abort() });
  assert.deepEqual(second, { status: 'aborted' });
  await first.lock.release();
});

test('release leaves a lock that is no longer ours alone', async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const first = await acquireLock(path);
  assert.ok(first.status === 'acquired');
  await writeFile(path, JSON.stringify({ ...first.lock.owner, token: 'someone-else' }));
  await first.lock.release();
  assert.equal((await readLockOwner(path))?.token, 'someone-else');
});

test('owned names carry host and pid; cleanStale keeps what live processes own', async () => {
  const name = ownedName('f'.repeat(64), '.trash', 4242);
  assert.deepEqual(parseOwnedName(name), { host: HOST_TAG, pid: 4242 });
  assert.equal(parseOwnedName('notes.txt'), undefined);

  const store = new CacheStore(await makeCacheRoot());
  const mine = ownedName('e'.repeat(64));
  const foreign = `${'e'.repeat(64)}.some-other-host.1.0123abcd`;
  await mkdir(join(store.tmpRoot, mine), { recursive: true });
  await mkdir(join(store.tmpRoot, foreign), { recursive: true });
  await mkdir(store.lockRoot, { recursive: true });
  const held = await acquireLock(join(store.lockRoot, `${'e'.repeat(64)}.lock`));
  assert.ok(held.status === 'acquired');
  assert.deepEqual(await store.cleanStale(), { tempDirs: [], locks: [] });
  assert.deepEqual(await namesIn(store.tmpRoot), [foreign, mine].sort());
  assert.deepEqual(await namesIn(store.lockRoot), [`${'e'.repeat(64)}.lock`]);
  await held.lock.release();
});
