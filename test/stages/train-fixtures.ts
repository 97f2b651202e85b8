// Small artifacts for the train and evaluate stage tests: a word vocab, word tokens with class labels split into
// train/valid/test (label = whether word "good" (id 2) occurs in the row), and the raw texts they stand for.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDataset, type SplitPart } from '../../stages/artifacts/dataset.ts';
import { writeTokenSplitsIndex, writeTokens, type Tokens } from '../../stages/artifacts/tokens.ts';
import { writeVocab } from '../../stages/artifacts/vocab.ts';
import type { ArtifactRef, ArtifactType, Fingerprint } from '../../stages/stage.ts';
import { trainStage } from '../../stages/train.ts';
import { makeTestContext } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';

export const WORDS = [
  '<pad>',
  '<unk>',
  'good',
  'bad',
  'film',
  'plot',
  'actor',
  'long',
  'music',
  'scene',
  'story',
  'end',
];
export const LABEL_NAMES = ['negative', 'positive'];
export const WIDTH = 8;

const roots: string[] = [];
process.once('exit', () => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

export function ref(type: ArtifactType, dir: string, stage: string, output: string): ArtifactRef {
  return { type, dir, stage, output, fingerprint: `${stage}/${output}` as Fingerprint };
}

/** Row r of a part: deterministic word ids (lengths 2..WIDTH), label 1 when "good" occurs. */
function makePart(rows: number, salt: number): { tokens: Tokens; texts: string[] } {
  const ids = new Int32Array(rows * WIDTH);
  const lengths = new Int32Array(rows);
  const labels = new Int32Array(rows);
  const texts: string[] = [];
  let state = salt;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  for (let r = 0; r < rows; r++) {
    lengths[r] = 2 + next(WIDTH - 1);
    const words: string[] = [];
    for (let t = 0; t < lengths[r]; t++) {
      const id = 2 + next(WORDS.length - 2);
      ids[r * WIDTH + t] = id;
      words.push(WORDS[id]);
    }
    labels[r] = words.includes('good') ? 1 : 0;
    texts.push(words.join(' '));
  }
  const tokens: Tokens = {
    mode: 'word',
    layout: 'pad',
    rows,
    width: WIDTH,
    ids,
    lengths,
    labelKind: 'class',
    labels,
    labelNames: LABEL_NAMES,
    vocabSize: WORDS.length,
    padId: 0,
  };
  return { tokens, texts };
}

export interface TrainFixture {
  root: string;
  vocab: ArtifactRef;
  /** The tokens of a split: train/ valid/ test/. */
  tokens: ArtifactRef;
  /** The raw rows of the split. */
  splits: ArtifactRef;
  parts: Record<SplitPart, { tokens: Tokens; texts: string[] }>;
}

export async function makeTrainFixture(
  rows: Record<SplitPart, number> = { train: 160, valid: 40, test: 40 },
): Promise<TrainFixture> {
  const root = await mkdtemp(join(tmpdir(), 'tfpipe-train-fixture-'));
  roots.push(root);
  await writeVocab(join(root, 'vocab'), {
    tokens: WORDS,
    counts: new Uint32Array(WORDS.length),
    padToken: '<pad>',
    padIndex: 0,
    unkToken: '<unk>',
    unkIndex: 1,
    minFreq: 1,
    maxSize: null,
    normalization: { lowercase: true, stripPunctuation: true, stopwords: 'none' },
  });
  const parts = {} as TrainFixture['parts'];
  (['train', 'valid', 'test'] as const).forEach((part, k) => (parts[part] = makePart(rows[part], 17 + k)));
  for (const [part, { tokens, texts }] of Object.entries(parts)) {
    await writeTokens(join(root, 'tokens', part), tokens);
    await writeDataset(join(root, 'splits', part), { texts, labels: tokens.labels, labelNames: LABEL_NAMES });
  }
  await writeTokenSplitsIndex(join(root, 'tokens'), ['train', 'valid', 'test']);
  return {
    root,
    vocab: ref('vocab', join(root, 'vocab'), 'vocab', 'vocab'),
    tokens: ref('tokens', join(root, 'tokens'), 'tokenize', 'tokens'),
    splits: ref('splits', join(root, 'splits'), 'split', 'splits'),
    parts,
  };
}

/** The fixture and a small classifier trained on it by the train stage: its model artifact's folder. */
export async function trainedClassifier(): Promise<{ fixture: TrainFixture; modelDir: string }> {
  const fixture = await makeTrainFixture();
  const ctx = await makeTestContext();
  await trainStage.run(
    ctx,
    stageParams('train', { embedding_dim: 8, hidden_dim: 8, batch_size: 16, epochs: 2, lr: 0.02, seed: 1 }),
    { data: fixture.tokens, vocab: fixture.vocab },
  );
  return { fixture, modelDir: ctx.outDir };
}
