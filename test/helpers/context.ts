// A StageContext for tests: real folders under a fresh temp dir, a seeded RNG, a logger that records lines.
import { mkdtemp, mkdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StageContext, Rng } from '../../stages/stage.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(REPO_ROOT, '../shared');
export const SHARED_DATA = join(SHARED, 'data');
export const HF_REFERENCE = join(SHARED, 'fixtures/hf-reference');

/** mulberry32: small, fast, good enough for tests. */
export function testRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, int: (n) => Math.floor(next() * n), fork: (label) => (seed ^ [...label].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261)) >>> 0 };
}

/** Temp folders of this test process, removed when it exits. */
const tempRoots: string[] = [];
process.once('exit', () => tempRoots.forEach((root) => rmSync(root, { recursive: true, force: true })));

export interface TestContext extends StageContext {
  lines: string[];
}

export async function makeTestContext(overrides: Partial<StageContext> = {}): Promise<TestContext> {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-test-'));
  tempRoots.push(root);
  const dirs = { outDir: join(root, 'out'), scratchDir: join(root, 'scratch'), checkpointDir: join(root, 'ckpt'), cacheRoot: join(root, 'cache') };
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  const lines: string[] = [];
  return {
    stageId: 'test',
    signal: new AbortController().signal,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`), debug: () => {} },
    progress: { start: () => {}, update: () => {}, status: () => {} },
    rng: testRng(0),
    backend: 'cpu',
    env: { TFPIPE_DATA: SHARED_DATA },
    baseDir: REPO_ROOT,
    ...dirs,
    ...overrides,
    lines,
  };
}
