// Two processes on one cache: the lock makes the second wait and reuse; a killed writer leaves no entry.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheStore } from '../../runner/cache/store.ts';
import { readLockOwner } from '../../lib/fs/lock.ts';
import { makeCacheRoot, namesIn, removeCacheRoots, sampleTree } from './helpers.ts';
import { startWriter } from './writer-process.ts';

after(removeCacheRoots);

test("a second writer waits on the lock, then reuses the first one's entry without producing", async () => {
  const store = new CacheStore(await makeCacheRoot());
  const params = { test: 'wait' };
  const { tree, fp } = sampleTree(params);
  const writer = startWriter(store.root, params, 'wait-for-go');
  try {
    assert.equal(await writer.nextLine(), 'producing');
    const holder = await readLockOwner(join(store.lockRoot, `${fp}.lock`));
    assert.equal(holder?.pid, writer.child.pid);

    let produced = false;
    const ours = store.write(
      fp,
      tree,
      async () => {
        produced = true;
        return {};
      },
      {
        // Only once we are known to be waiting is the child let go: the order is fixed, not timed.
        onWait: (who) => {
          assert.equal(who?.pid, writer.child.pid);
          writer.child.stdin!.write('go\n');
        },
      },
    );
    const entry = await ours;
    assert.equal(await writer.nextLine(), 'written written');
    assert.equal(produced, false);
    assert.equal(entry.origin, 'reused');
    assert.equal(entry.waited, true);
    assert.deepEqual(entry.manifest.metrics, { writer: 'child' });
    assert.equal(await readFile(join(entry.outDir, 'part-2.txt'), 'utf8'), 'second half\n');
    await writer.exited;
    assert.deepEqual(await namesIn(store.lockRoot), []);
    assert.deepEqual(await namesIn(store.tmpRoot), []);
  } finally {
    writer.child.kill('SIGKILL');
  }
});

test('a writer killed with SIGKILL mid-produce leaves no entry; cleanStale removes its temp folder and lock', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const params = { test: 'sigkill' };
  const { tree, fp } = sampleTree(params);
  const writer = startWriter(store.root, params, 'hang');
  try {
    assert.equal(await writer.nextLine(), 'producing');
  } finally {
    writer.child.kill('SIGKILL');
  }
  await writer.exited;

  assert.deepEqual(await store.lookup(fp), { status: 'miss' });
  const temps = await namesIn(store.tmpRoot);
  assert.equal(temps.length, 1);
  assert.ok(temps[0].startsWith(`${fp}.`) && temps[0].includes(`.${writer.child.pid}.`), temps[0]);
  assert.deepEqual(await namesIn(store.lockRoot), [`${fp}.lock`]);

  const report = await store.cleanStale();
  assert.deepEqual(report, { tempDirs: temps, locks: [`${fp}.lock`] });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
  assert.deepEqual(await namesIn(store.lockRoot), []);

  const entry = await store.write(fp, tree, async (outDir) => {
    await writeFile(join(outDir, 'part-1.txt'), 'again\n');
    return {};
  });
  assert.equal(entry.origin, 'written');
  assert.equal((await store.lookup(fp)).status, 'hit');
});

test("a dead writer's lock is taken over by the next write even without cleanStale", async () => {
  const store = new CacheStore(await makeCacheRoot());
  const params = { test: 'takeover' };
  const { tree, fp } = sampleTree(params);
  const writer = startWriter(store.root, params, 'hang');
  try {
    assert.equal(await writer.nextLine(), 'producing');
  } finally {
    writer.child.kill('SIGKILL');
  }
  await writer.exited;
  let waitedOn: number | undefined;
  const entry = await store.write(fp, tree, async () => ({}), { onWait: (who) => (waitedOn = who?.pid) });
  assert.equal(entry.origin, 'written');
  assert.equal(waitedOn, undefined);
  assert.deepEqual(await namesIn(store.lockRoot), []);
});

test('SIGINT handled as the CLI does (abort the signal) leaves no entry, temp folder or lock', async () => {
  const store = new CacheStore(await makeCacheRoot());
  const params = { test: 'sigint' };
  const { fp } = sampleTree(params);
  const writer = startWriter(store.root, params, 'sigint');
  try {
    assert.equal(await writer.nextLine(), 'producing');
    writer.child.kill('SIGINT');
    assert.equal(await writer.nextLine(), 'aborted');
    await writer.exited;
  } finally {
    writer.child.kill('SIGKILL');
  }
  assert.deepEqual(await store.lookup(fp), { status: 'miss' });
  assert.deepEqual(await namesIn(store.tmpRoot), []);
  assert.deepEqual(await namesIn(store.lockRoot), []);
});
