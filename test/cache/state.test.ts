import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readLastState, stateDir, writeLastState } from '../../runner/cache/state.ts';
import { resolveCacheRoot } from '../../runner/cache/root.ts';
import { makeCacheRoot, removeCacheRoots, sampleTree } from './helpers.ts';

after(removeCacheRoots);

const record = (params: Record<string, unknown> = { min_freq: 5 }) => {
  const { tree, fp } = sampleTree(params);
  return { fingerprint: fp, tree };
};

test('the last state of a stage round-trips, per pipeline file and stage id', async () => {
  const root = await makeCacheRoot();
  const pipeline = join(dirname(root), 'lab1.yaml');
  const first = record({ min_freq: 5 });
  const second = record({ min_freq: 3 });
  assert.equal(await readLastState(root, pipeline, 'vocab'), null);

  await writeLastState(root, pipeline, 'vocab', first);
  await writeLastState(root, pipeline, 'vocab', second);
  await writeLastState(root, join(dirname(root), 'lab2.yaml'), 'vocab', first);
  const last = await readLastState(root, pipeline, 'vocab');
  assert.equal(last?.fingerprint, second.fingerprint);
  assert.deepEqual(last?.tree, second.tree);
  assert.equal(last?.pipelineFile, resolve(pipeline));
  assert.equal((await readLastState(root, join(dirname(root), 'lab2.yaml'), 'vocab'))?.fingerprint, first.fingerprint);
  assert.equal(await readLastState(root, pipeline, 'split'), null);

  // Kept inside the cache root (<root>/state/<sha>/), so --cache-dir moves it too, with no temp files left behind.
  const dir = stateDir(root, pipeline);
  assert.equal(dirname(dirname(dir)), root);
  assert.deepEqual(await readdir(dir), ['vocab.json']);
});

test('an unreadable state record reads as no last run', async () => {
  const root = await makeCacheRoot();
  const pipeline = join(dirname(root), 'lab1.yaml');
  await writeLastState(root, pipeline, 'vocab', record());
  await writeFile(join(stateDir(root, pipeline), 'vocab.json'), '{"fingerprint": 12');
  assert.equal(await readLastState(root, pipeline, 'vocab'), null);
});

test('resolveCacheRoot: flag, else TFPIPE_CACHE, else .tfpipe/cache, relative to cwd', () => {
  const cwd = '/home/me/project';
  assert.equal(resolveCacheRoot({ flag: 'c1', env: '/abs/c2', cwd }), '/home/me/project/c1');
  assert.equal(resolveCacheRoot({ env: '/abs/c2', cwd }), '/abs/c2');
  assert.equal(resolveCacheRoot({ flag: '', env: 'rel', cwd }), '/home/me/project/rel');
  assert.equal(resolveCacheRoot({ cwd }), '/home/me/project/.tfpipe/cache');
});
