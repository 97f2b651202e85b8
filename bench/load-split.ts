// Benchmark: load the 66 MB IMDB CSV (25 MB gzip) and make the homework's split (sklearn, test 0.2, valid 0.125,
// random_state 12) with the load and split stages, against the Python peer (bench/peers/load_split.py: pandas or
// the csv module, then sklearn's train_test_split) measured in the same run. Prints the times, their ratio, and
// whether both made the same split row for row (sha256 of each part's rows).
// usage: node --import tsx bench/load-split.ts [--runs N]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadStage } from '../stages/load.ts';
import { splitStage } from '../stages/split.ts';
import { readDataset, SPLIT_PARTS, type Dataset } from '../stages/artifacts/dataset.ts';
import type { Fingerprint, StageContext } from '../stages/stage.ts';
import { computeSplitIndices } from '../stages/data/split-indices.ts';
import { stageParams } from '../runner/spec/stage-params.ts';

const SHARED_DATA = resolve(import.meta.dirname, '../../shared/data');
const CSV = join(SHARED_DATA, 'imdb/IMDB_Dataset.csv.gz');
const PYTHON = '/usr/bin/python3';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 1;

async function context(root: string, name: string): Promise<StageContext> {
  const quiet = { info: () => {}, warn: () => {}, debug: () => {} };
  return {
    stageId: name,
    signal: new AbortController().signal,
    log: quiet,
    progress: { start: () => {}, update: () => {}, status: () => {} },
    rng: { seed: 0, next: () => 0, int: () => 0, fork: () => 0 },
    outDir: join(root, name),
    scratchDir: join(root, `${name}-scratch`),
    checkpointDir: join(root, `${name}-ckpt`),
    backend: 'cpu',
    env: { TFPIPE_DATA: SHARED_DATA },
    baseDir: root,
    cacheRoot: join(root, 'cache'),
  };
}

function digest(data: Dataset): string {
  const hash = createHash('sha256');
  data.texts.forEach((text, i) => hash.update(`${text}\x1f${data.labelNames[data.labels![i]]}\x1e`));
  return hash.digest('hex');
}

async function runOurs(): Promise<{
  loadS: number;
  splitS: number;
  indicesS: number;
  parts: Record<string, { rows: number; sha256: string }>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-bench-'));
  try {
    const t0 = performance.now();
    const load = await context(root, 'load');
    await loadStage.run(load, { dataset: 'imdb' }, {});
    const t1 = performance.now();
    const split = await context(root, 'split');
    const input = {
      type: 'dataset' as const,
      dir: load.outDir,
      fingerprint: 'bench' as Fingerprint,
      stage: 'load',
      output: 'dataset',
    };
    await splitStage.run(split, stageParams('split', { method: 'sklearn', test: 0.2, valid: 0.125, seed: 12 }), {
      input,
    });
    const t2 = performance.now();
    const all = await readDataset(load.outDir);
    const t3 = performance.now();
    computeSplitIndices(all.texts.length, all.labels, {
      method: 'sklearn',
      test: 0.2,
      valid: 0.125,
      seed: 12,
      stratify: false,
    });
    const indicesS = (performance.now() - t3) / 1000;
    const parts: Record<string, { rows: number; sha256: string }> = {};
    for (const part of SPLIT_PARTS) {
      const data = await readDataset(join(split.outDir, part));
      parts[part] = { rows: data.texts.length, sha256: digest(data) };
    }
    return { loadS: (t1 - t0) / 1000, splitS: (t2 - t1) / 1000, indicesS, parts };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function runPeer():
  | { reader: string; load_s: number; split_s: number; parts: Record<string, { rows: number; sha256: string }> }
  | string {
  const peer = spawnSync(PYTHON, [join(import.meta.dirname, 'peers/load_split.py'), CSV], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (peer.error) return `peer not run: ${peer.error.message}`;
  if (peer.status !== 0) return `peer failed: ${peer.stderr.trim().split('\n').at(-1)}`;
  return JSON.parse(peer.stdout);
}

const best = <T extends { total: number }>(xs: T[]): T => xs.reduce((a, b) => (b.total < a.total ? b : a));
const oursRuns = [];
for (let i = 0; i < runs; i++) oursRuns.push(await runOurs());
const ours = best(oursRuns.map((r) => ({ ...r, total: r.loadS + r.splitS })));
const peers = Array.from({ length: runs }, runPeer);
const failed = peers.find((p) => typeof p === 'string');

const fmt = (s: number) => `${s.toFixed(2)} s`;
console.log(`IMDB load + split (${CSV}), best of ${runs}`);
console.log(
  `  tfpipe  load ${fmt(ours.loadS)} (csv-parse, writes the dataset)  split ${fmt(ours.splitS)} (reads it, writes 3 parts; the indices alone ${fmt(ours.indicesS)})  total ${fmt(ours.total)}`,
);
if (failed !== undefined) {
  console.log(`  python  ${failed}`);
} else {
  const peer = best(
    peers.map((p) => p as Exclude<typeof p, string>).map((p) => ({ ...p, total: p.load_s + p.split_s })),
  );
  console.log(
    `  python  load ${fmt(peer.load_s)} (${peer.reader})  split ${fmt(peer.split_s)} (sklearn, in memory)  total ${fmt(peer.total)}`,
  );
  console.log(
    `  ratio tfpipe/python: load ${(ours.loadS / peer.load_s).toFixed(2)}  split ${(ours.splitS / peer.split_s).toFixed(2)}  total ${(ours.total / peer.total).toFixed(2)}`,
  );
  const same = SPLIT_PARTS.every(
    (part) => ours.parts[part].sha256 === peer.parts[part].sha256 && ours.parts[part].rows === peer.parts[part].rows,
  );
  console.log(
    `  same split rows: ${same ? 'yes' : 'NO'} (${SPLIT_PARTS.map((p) => `${p} ${ours.parts[p].rows}`).join(', ')})`,
  );
  if (!same) throw new Error('tfpipe and the python peer made different splits');
}
