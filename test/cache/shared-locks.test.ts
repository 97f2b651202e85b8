// A cache on a disk shared by several hosts (issue 15, item 2): child processes given different TFPIPE_HOST_ID
// values behave as two hosts, which cannot check each other's pids. One of two concurrent writers produces and the
// other reuses; a killed host's lock is taken over once its heartbeat stops; a live host's lock never is; litter
// of another host is judged by age, never by pid.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, clearDeadLock, readLockOwner } from '../../lib/fs/lock.ts';
import { HOST_TAG } from '../../lib/fs/owner.ts';
import { MANIFEST_FILE, saveCheckpointBytes } from '../../models/train/checkpoint-files.ts';
import { CacheStore } from '../../runner/cache/store.ts';
import { makeCacheRoot, namesIn, removeCacheRoots, sampleTree } from './helpers.ts';
import { startWriter, type Writer } from './writer-process.ts';

after(removeCacheRoots);

/** Heartbeats every 20 ms against a 2 s threshold: a live holder would have to stall 100 beats to look stale. */
const SHORT = { heartbeatMs: 20, staleMs: 2_000 };

test('two hosts writing one entry at once: one produces, the other waits for it and reuses its entry', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const params = { test: 'two-hosts' };
  const { fp } = sampleTree(params);
  const a = startWriter(store.root, params, 'wait-for-go', { hostId: 'host-a' });
  const b = startWriter(store.root, params, 'wait-for-go', { hostId: 'host-b' });
  try {
    const first = { a: await a.nextLine(), b: await b.nextLine() };
    const [producer, waiter, host] = first.a === 'producing' ? [a, b, 'host-a'] : [b, a, 'host-b'];
    assert.deepEqual(Object.values(first).sort(), ['producing', `waiting ${host}`]);
    assert.equal((await readLockOwner(join(store.lockRoot, `${fp}.lock`)))?.host, host);
    // The waiter's produce() never runs, so only the producer reads "go".
    a.child.stdin!.write('go\n');
    b.child.stdin!.write('go\n');
    assert.equal(await producer.nextLine(), 'written written');
    assert.equal(await waiter.nextLine(), 'written reused');
    await Promise.all([a.exited, b.exited]);
    assert.deepEqual(waiter.pending(), []);
    const hit = await store.lookup(fp);
    assert.ok(hit.status === 'hit');
    assert.deepEqual(hit.manifest.metrics, { writer: host });
    assert.deepEqual(await namesIn(store.lockRoot), []);
    assert.deepEqual(await namesIn(store.tmpRoot), []);
  } finally {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  }
});

test("a killed host's lock is taken over by another once its heartbeat stops; its temp folder ages out", async () => {
  const store = new CacheStore(await makeCacheRoot(), { lockTiming: SHORT });
  const params = { test: 'killed-host' };
  const { fp } = sampleTree(params);
  const lockPath = join(store.lockRoot, `${fp}.lock`);
  const a = startWriter(store.root, params, 'hang', { hostId: 'host-a', lockTiming: SHORT });
  try {
    assert.equal(await a.nextLine(), 'producing');
  } finally {
    a.child.kill('SIGKILL');
  }
  await a.exited;
  const left = await readLockOwner(lockPath);
  assert.equal(left?.host, 'host-a');
  assert.equal(left.pid, a.child.pid);

  // host-b cannot ask whether host-a's pid lives: it waits (no immediate takeover), then takes the silent lock.
  const b = startWriter(store.root, params, 'now', { hostId: 'host-b', lockTiming: SHORT });
  try {
    assert.equal(await b.nextLine(), 'waiting host-a');
    assert.equal(await b.nextLine(), 'producing');
    assert.equal(await b.nextLine(), 'written written');
    await b.exited;
  } finally {
    b.child.kill('SIGKILL');
  }
  const hit = await store.lookup(fp);
  assert.ok(hit.status === 'hit');
  assert.deepEqual(hit.manifest.metrics, { writer: 'host-b' });
  assert.deepEqual(await namesIn(store.lockRoot), []);

  // host-a's unfinished temp folder is litter to this process (a third host) by age alone: it was last touched
  // before host-b started waiting, and host-b waited out a whole stale threshold.
  const temps = await namesIn(store.tmpRoot);
  assert.equal(temps.length, 1);
  assert.ok(temps[0].startsWith(`${fp}.host-a.${a.child.pid}.`), temps[0]);
  assert.deepEqual(await store.cleanStale(), { tempDirs: temps, locks: [] });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
});

test("a live host's lock is waited for past the stale threshold, never taken over, nor cleaned", async () => {
  const store = new CacheStore(await makeCacheRoot(), { lockTiming: SHORT });
  const params = { test: 'live-host' };
  const { fp } = sampleTree(params);
  const lockPath = join(store.lockRoot, `${fp}.lock`);
  const a = startWriter(store.root, params, 'wait-for-go', { hostId: 'host-a', lockTiming: SHORT });
  let b: Writer | undefined;
  try {
    assert.equal(await a.nextLine(), 'producing');
    // host-b starts only once host-a holds the lock, so that host-a is the holder whichever process starts faster.
    b = startWriter(store.root, params, 'now', { hostId: 'host-b', lockTiming: SHORT });
    const holder = await readLockOwner(lockPath);
    assert.equal(await b!.nextLine(), 'waiting host-a');

    // Watch host-a's heartbeat move while host-b waits out twice its stale threshold.
    const beats = new Set<string | undefined>();
    const since = performance.now();
    while (performance.now() - since < 2 * SHORT.staleMs) {
      const now = await readLockOwner(lockPath);
      assert.equal(now?.token, holder?.token, 'the lock is still host-a’s');
      beats.add(now?.heartbeatAt);
      await sleep(50);
    }
    assert.ok(beats.size > 2, `host-a's heartbeat moves (${beats.size} distinct)`);
    assert.deepEqual(b!.pending(), [], 'host-b neither took over nor produced');
    // Nor does a third host's cleanStale take host-a's lock, or its temp folder, old as that folder's mtime is.
    assert.deepEqual(await store.cleanStale(), { tempDirs: [], locks: [] });

    a.child.stdin!.write('go\n');
    assert.equal(await a.nextLine(), 'written written');
    assert.equal(await b!.nextLine(), 'written reused');
    await Promise.all([a.exited, b!.exited]);
    assert.deepEqual(b!.pending(), []);
  } finally {
    a.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
  }
  const hit = await store.lookup(fp);
  assert.ok(hit.status === 'hit');
  assert.deepEqual(hit.manifest.metrics, { writer: 'host-a' });
  assert.deepEqual(await namesIn(store.lockRoot), []);
  assert.deepEqual(await namesIn(store.tmpRoot), []);
});

test('the heartbeat rewrites the record in place, keeps no timer alive, and stops on release', async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  const got = await acquireLock(path, { heartbeatMs: 5 });
  assert.ok(got.status === 'acquired');
  assert.equal(timers(), before, 'the heartbeat timer is unref’d');
  const first = await readLockOwner(path);
  const { ino } = await stat(path);
  assert.equal(first?.heartbeatAt, first?.acquiredAt);
  let now = first;
  while (now?.heartbeatAt === first?.heartbeatAt) {
    await sleep(5);
    now = await readLockOwner(path);
  }
  assert.deepEqual({ ...now, heartbeatAt: first?.heartbeatAt }, first, 'only heartbeatAt changes');
  assert.equal((await stat(path)).ino, ino, 'same file: a heartbeat never replaces the lock');
  await got.lock.release();
  assert.deepEqual(await namesIn(dir), []);
  await sleep(50); // ten intervals: a heartbeat still running would fail here, or leave a file
  assert.deepEqual(await namesIn(dir), []);
});

test("another host's lock: its pid is never judged, a silent one is taken over after staleMs", async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const at = new Date().toISOString();
  // pid 1 is alive on this machine and says nothing about a process on another host: only silence counts.
  const foreign = { pid: 1, host: `not-${HOST_TAG}`, token: 'feedfacefeedface', acquiredAt: at, heartbeatAt: at };
  await writeFile(path, JSON.stringify(foreign));
  assert.equal(await clearDeadLock(path), false, 'fresh: kept');
  let waitedOn: unknown;
  const got = await acquireLock(path, { staleMs: 200, onWait: (holder) => (waitedOn = holder) });
  assert.ok(got.status === 'acquired');
  assert.deepEqual(waitedOn, foreign);
  assert.deepEqual(got.tookOverFrom, foreign);
  assert.equal(got.waited, true);
  await got.lock.release();

  // One look (cleanStale): the lock file's mtime, aged on the file system's clock.
  await writeFile(path, JSON.stringify(foreign));
  const old = new Date(Date.now() - 60_000);
  await utimes(path, old, old);
  assert.equal(await clearDeadLock(path), true, 'untouched for a minute: cleared');
  assert.deepEqual(await namesIn(dir), []);
});

test("cleanStale removes another host's temp folders and lock temp files only once untouched for staleMs", async () => {
  const store = new CacheStore(await makeCacheRoot());
  const fp = 'd'.repeat(64);
  const other = `not-${HOST_TAG}`;
  const oldDir = `${fp}.${other}.1.0123abcd`;
  const freshDir = `${fp}.${other}.1.89abcdef`;
  const oldTemp = `${fp}.lock.${other}.1.00112233.tmp`;
  await mkdir(join(store.tmpRoot, oldDir), { recursive: true });
  await mkdir(join(store.tmpRoot, freshDir), { recursive: true });
  await mkdir(store.lockRoot, { recursive: true });
  await writeFile(join(store.lockRoot, oldTemp), '{}');
  const old = new Date(Date.now() - 60_000);
  await utimes(join(store.tmpRoot, oldDir), old, old);
  await utimes(join(store.lockRoot, oldTemp), old, old);
  assert.deepEqual(await store.cleanStale(), { tempDirs: [oldDir], locks: [oldTemp] });
  assert.deepEqual(await namesIn(store.tmpRoot), [freshDir]);
  assert.deepEqual(await namesIn(store.lockRoot), []);
});

test("a checkpoint save removes another host's temp files only once untouched for the stale threshold", async () => {
  const dir = await makeCacheRoot();
  await mkdir(dir, { recursive: true });
  const other = `not-${HOST_TAG}`;
  const oldTemp = `${MANIFEST_FILE}.${other}.1.00112233.tmp`;
  const freshTemp = `${MANIFEST_FILE}.${other}.1.44556677.tmp`;
  await writeFile(join(dir, oldTemp), '{"format": "tfpipe-che');
  await writeFile(join(dir, freshTemp), '{"format": "tfpipe-che');
  const old = new Date(Date.now() - 60_000);
  await utimes(join(dir, oldTemp), old, old);
  await saveCheckpointBytes(dir, Buffer.from('checkpoint bytes'));
  const names = await namesIn(dir);
  assert.equal(names.length, 3, names.join(', '));
  assert.deepEqual(names.slice(1), [MANIFEST_FILE, freshTemp]);
});
