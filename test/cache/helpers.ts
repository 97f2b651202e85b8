// Shared bits of the cache tests: a fresh cache root, a small tree, and a listing of what is on disk.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fingerprint } from '../../stages/stage.ts';
import { buildTree, fingerprintOf, type FingerprintTree } from '../../runner/cache/fingerprint.ts';

const made: string[] = [];

/** <fresh temp folder>/cache; register `after(removeCacheRoots)` in the test file to clean up. */
export async function makeCacheRoot(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'tfpipe-cache-'));
  made.push(parent);
  return join(parent, 'cache');
}

export async function removeCacheRoots(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export function sampleTree(params: Record<string, unknown> = { min_freq: 5 }): {
  tree: FingerprintTree;
  fp: Fingerprint;
} {
  const tree = buildTree({ kind: 'vocab', version: 1, params, inputs: { input: 'a'.repeat(64) as Fingerprint } });
  return { tree, fp: fingerprintOf(tree) };
}

/** Names in a folder, [] when it does not exist. */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
