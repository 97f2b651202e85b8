// Run records and cache entries made by the tests: real CacheStore entries (so manifests and hashes are genuine)
// holding whatever files a test needs (history.csv, metrics.json, texts.json), and records pointing at them.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CacheStore } from '../../runner/cache/store.ts';
import { buildTree, fingerprintOf } from '../../runner/cache/fingerprint.ts';
import { RUN_FORMAT, type RunRecord, type RunStageRecord } from '../../runner/runs/record.ts';
import { HOST_TAG } from '../../lib/fs/owner.ts';
import type { Fingerprint } from '../../stages/stage.ts';

export async function makeCache(): Promise<CacheStore> {
  const root = join(await mkdtemp(join(tmpdir(), 'tfpipe-runs-')), '.tfpipe', 'cache');
  await mkdir(root, { recursive: true });
  return new CacheStore(root);
}

/** A committed entry for a stage with these params, holding `files` (path under out/ → text). */
export async function writeEntry(
  cache: CacheStore,
  stage: { kind: string; params: Record<string, unknown>; inputs?: Record<string, Fingerprint>; backend?: string },
  files: Record<string, string>,
  metrics: Record<string, number> = {},
): Promise<RunStageRecord['tree'] & { fingerprint: Fingerprint }> {
  const tree = buildTree({
    kind: stage.kind,
    version: 1,
    params: stage.params,
    inputs: stage.inputs ?? {},
    backend: stage.backend,
  });
  const fp = fingerprintOf(tree);
  await cache.write(fp, tree, async (outDir) => {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(outDir, name)), { recursive: true });
      await writeFile(join(outDir, name), text);
    }
    return { metrics };
  });
  return { ...tree, fingerprint: fp };
}

export function makeRecord(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    format: RUN_FORMAT,
    id,
    pipeline: { file: '/p/lab.yaml', name: 'lab' },
    config: { stages: {} },
    set: [],
    started: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.000Z`,
    finished: undefined,
    tfpipe: '0.1.0',
    status: 'ok',
    exitCode: 0,
    backend: { requested: 'cpu', name: 'cpu' },
    cacheRoot: '/nonexistent',
    host: HOST_TAG,
    pid: process.pid,
    stages: [],
    ...overrides,
  };
}

/** A synthetic training history: loss falling and accuracy rising with the epoch, valid a little behind. */
export function syntheticHistory(epochs: number, rate: number): string {
  const lines = ['epoch,train_loss,train_acc,valid_loss,valid_acc'];
  for (let e = 1; e <= epochs; e++) {
    const train = 0.7 * Math.exp(-rate * e);
    lines.push([e, train, 1 - train, train + 0.05, 0.95 - train].map((v) => Number(v.toFixed(4))).join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * Two recorded runs of a training pipeline, as lab1 and lab1-bidi would leave them once train/evaluate exist:
 * train (history.csv), evaluate (metrics.json with confusion matrix and examples), finetune (steps.csv) and
 * generate (texts.json) entries in the cache, and the records in <cacheRoot>/../runs. Returns the records.
 */
export async function writeTrainingRuns(cache: CacheStore): Promise<RunRecord[]> {
  const { writeRunRecord, runsDir } = await import('../../runner/runs/registry.ts');
  const records: RunRecord[] = [];
  for (const [i, bidirectional] of [false, true].entries()) {
    const name = bidirectional ? 'lab1-bidi' : 'lab1';
    const train = await writeEntry(
      cache,
      { kind: 'train', params: { bidirectional }, backend: 'cpu' },
      { 'model/history.csv': syntheticHistory(4, bidirectional ? 0.5 : 0.3) },
      { epochs: 4 },
    );
    const acc = bidirectional ? 0.84 : 0.81;
    const evaluation = {
      test_acc: acc,
      test_loss: 1 - acc,
      labels: ['negative', 'positive'],
      confusion_matrix: [
        [42, 8],
        [Math.round(100 * (1 - acc)) - 8, 58],
      ],
      examples: [{ text: 'a <b>great</b> film', label: 'positive', predicted: 'positive' }],
    };
    const evaluate = await writeEntry(
      cache,
      { kind: 'evaluate', params: { i }, backend: 'cpu' },
      { 'metrics.json': JSON.stringify(evaluation) },
      { test_acc: acc, test_loss: 1 - acc },
    );
    const steps = [
      'step,loss,lr,tokens_per_s',
      ...[10, 20, 30].map((s) => `${s},${(3.5 - s / (bidirectional ? 12 : 15)).toFixed(3)},0.0001,850`),
    ].join('\n');
    const finetune = await writeEntry(
      cache,
      { kind: 'finetune', params: { i }, backend: 'cpu' },
      { 'steps.csv': steps },
    );
    const generate = await writeEntry(
      cache,
      { kind: 'generate', params: { i } },
      { 'texts.json': JSON.stringify([{ prompt: 'The film', text: `The film was ${name}` }]) },
    );
    const stage = (
      id: string,
      kind: string,
      entry: { fingerprint: string },
      metrics: Record<string, unknown> = {},
    ) => ({
      id,
      kind,
      fingerprint: entry.fingerprint,
      action: 'ran' as const,
      seconds: 1.5,
      backend: 'cpu',
      metrics,
      summary: [],
    });
    const record = makeRecord(`20261128-07150${i}-ab1${i}`, {
      pipeline: { file: `/p/${name}.yaml`, name },
      config: { name, stages: { train: { kind: 'train', bidirectional } } },
      cacheRoot: cache.root,
      seconds: 12,
      stages: [
        stage('train', 'train', train, { epochs: 4 }),
        stage('evaluate', 'evaluate', evaluate, { test_acc: acc, test_loss: 1 - acc }),
        stage('finetune', 'finetune', finetune),
        stage('generate', 'generate', generate),
      ],
    });
    await writeRunRecord(runsDir(cache.root), record);
    records.push(record);
  }
  return records;
}

/** A labelled CSV whose rows share common words and each add one word of their own, so min_freq 1 and 2 give
 *  vocabularies of different sizes. Deterministic. */
export function reviewsWithRareWords(rows: number): string {
  const common = ['good', 'bad', 'great', 'awful', 'movie', 'film', 'plot', 'actor'];
  const lines = ['review,sentiment'];
  for (let i = 0; i < rows; i++) {
    const rare = `rare${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
    const words = Array.from({ length: 5 }, (_, k) => common[(i * 3 + k * 5) % common.length]);
    lines.push(`${[...words, rare].join(' ')},${i % 2 ? 'positive' : 'negative'}`);
  }
  return lines.join('\n') + '\n';
}

/** A four-stage pipeline (load, split, vocab, tokenize) over reviews.csv; `vocab` gets `min_freq`. */
export function dataPipeline(name: string, minFreq: number): string {
  return `name: ${name}
stages:
  load:
    kind: load
    path: reviews.csv
    columns: {text: review, label: sentiment}
  split:
    kind: split
    input: load
    valid: 0.25
    test: 0.25
  vocab:
    kind: vocab
    input: split
    min_freq: ${minFreq}
  tokenize:
    kind: tokenize
    input: split
    vocab: vocab
    mode: word
    max_length: 6
`;
}
