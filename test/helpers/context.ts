// A StageContext for tests: real folders under a fresh temp dir, a seeded RNG, a logger that records lines.
// Also where the tests find their data: the reference fixtures and data samples that ship with tfpipe, and the full
// data sets only through $TFPIPE_DATA.
import { mkdtemp, mkdir } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StageContext, Rng } from '../../stages/stage.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * The Hugging Face / PyTorch reference fixtures: the copy in test/fixtures/hf-reference (see its PROVENANCE.md), or
 * $TFPIPE_HF_REFERENCE, another set made the same way (the tests read every property they check from the files).
 */
export const HF_REFERENCE = process.env.TFPIPE_HF_REFERENCE
  ? resolve(process.env.TFPIPE_HF_REFERENCE)
  : join(REPO_ROOT, 'test/fixtures/hf-reference');

/** The data samples in the repository (data/README.md): 5,000 IMDB reviews, the first 600 lines of WikiText-2 test. */
export const IMDB_SAMPLE = join(REPO_ROOT, 'data/imdb-sample.csv.gz');
export const WIKITEXT_TEST_HEAD = join(REPO_ROOT, 'data/wikitext-2-test-head.txt');

/** The folder of the full data sets (the catalog's layout): $TFPIPE_DATA when it is set and exists, else null. */
export const FULL_DATA: string | null =
  process.env.TFPIPE_DATA && existsSync(process.env.TFPIPE_DATA) ? resolve(process.env.TFPIPE_DATA) : null;

/** `{ TFPIPE_DATA }` for a stage or a child process when the full data is here, else nothing: never a made-up path. */
export const fullDataEnv = (): Record<string, string> => (FULL_DATA ? { TFPIPE_DATA: FULL_DATA } : {});

export interface FullDataFile {
  /** The file's path under $TFPIPE_DATA (only meaningful when `skip` is false). */
  path: string;
  /** node:test's skip option: false when the file is here, else the one line saying why the test does not run. */
  skip: string | false;
}

/**
 * One of the full data files, for the tests that are about the full data sets (all 50,000 IMDB reviews, the
 * homework's split of them, WikiText-2's published bytes): `test(name, { skip: file.skip }, ...)`.
 *   fullDataFile('imdb/IMDB_Dataset.csv.gz', 'the full IMDB CSV')
 */
export function fullDataFile(file: string, what: string): FullDataFile {
  const skip = (why: string) => `needs ${what}: ${why}`;
  if (!process.env.TFPIPE_DATA) return { path: file, skip: skip(`set TFPIPE_DATA to a folder with ${file}`) };
  if (!FULL_DATA) return { path: file, skip: skip(`TFPIPE_DATA (${process.env.TFPIPE_DATA}) does not exist`) };
  const path = join(FULL_DATA, file);
  return { path, skip: existsSync(path) ? false : skip(`TFPIPE_DATA (${FULL_DATA}) has no ${file}`) };
}

export const FULL_IMDB_CSV = fullDataFile('imdb/IMDB_Dataset.csv.gz', 'the full IMDB CSV');
export const FULL_WIKITEXT_TEST = fullDataFile('wikitext-2-raw-v1/test.txt.gz', 'the full WikiText-2 test file');

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
  return {
    seed,
    next,
    int: (n) => Math.floor(next() * n),
    fork: (label) => (seed ^ [...label].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261)) >>> 0,
  };
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
  const dirs = {
    outDir: join(root, 'out'),
    scratchDir: join(root, 'scratch'),
    checkpointDir: join(root, 'ckpt'),
    cacheRoot: join(root, 'cache'),
  };
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  const lines: string[] = [];
  return {
    stageId: 'test',
    signal: new AbortController().signal,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`), debug: () => {} },
    progress: { start: () => {}, update: () => {}, status: () => {} },
    rng: testRng(0),
    backend: 'cpu',
    env: fullDataEnv(),
    baseDir: REPO_ROOT,
    ...dirs,
    ...overrides,
    lines,
  };
}
