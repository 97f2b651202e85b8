// Small language-model inputs for the GPT-2 stage tests: token artifacts written by hand (a tiny vocabulary, so a
// GPT-2 from {init} with vocab_size 97 trains in milliseconds) and ArtifactRefs pointing at them.
import { rmSync } from 'node:fs';
import { mkdtemp as makeTemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IGNORE_INDEX } from '../../models/gpt2/batch.ts';
import { writeTokenSplitsIndex, writeTokens, type Tokens } from '../../stages/artifacts/tokens.ts';
import type { ArtifactRef, Fingerprint } from '../../stages/stage.ts';
import { createGpt2, saveGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';

const made: string[] = [];
process.once('exit', () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function mkdtemp(prefix: string): Promise<string> {
  const dir = await makeTemp(prefix);
  made.push(dir);
  return dir;
}

export const TINY_VOCAB = 97;
export const TINY_INIT = { init: { n_layer: 1, n_head: 2, n_embd: 16, n_positions: 32, vocab_size: TINY_VOCAB } };

/** Packed blocks of `width` ids from a fixed pseudo-random stream with some structure (a model can learn it). */
export function packedTokens(rows: number, width: number, offset = 0): Tokens {
  const ids = new Int32Array(rows * width);
  for (let i = 0; i < ids.length; i++) ids[i] = ((i + offset) * 7 + Math.floor((i + offset) / 5)) % TINY_VOCAB;
  return {
    mode: 'bpe',
    layout: 'pack',
    rows,
    width,
    ids,
    lengths: new Int32Array(rows).fill(width),
    labelKind: 'position',
    labels: ids.slice(),
    labelNames: [],
    vocabSize: TINY_VOCAB,
    padId: null,
  };
}

/** Padded rows of the given lengths (pad id 0, labels -100 past each length). */
export function paddedTokens(lengths: number[], width: number): Tokens {
  const rows = lengths.length;
  const ids = new Int32Array(rows * width);
  const labels = new Int32Array(rows * width).fill(IGNORE_INDEX);
  lengths.forEach((length, r) => {
    for (let t = 0; t < length; t++) ids[r * width + t] = labels[r * width + t] = (r * 31 + t * 11 + 3) % TINY_VOCAB;
  });
  return {
    mode: 'bpe',
    layout: 'pad',
    rows,
    width,
    ids,
    lengths: Int32Array.from(lengths),
    labelKind: 'position',
    labels,
    labelNames: [],
    vocabSize: TINY_VOCAB,
    padId: 0,
  };
}

export function artifactRef(
  dir: string,
  stage: string,
  type: ArtifactRef['type'] = 'tokens',
  output = 'tokens',
): ArtifactRef {
  return { type, dir, fingerprint: `${stage}-fp` as Fingerprint, stage, output };
}

/** A token-splits folder with train and valid parts, as tokenize writes for a split input. */
export async function writeSplitTokens(train: Tokens, valid: Tokens): Promise<ArtifactRef> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-lm-tokens-'));
  await writeTokens(join(dir, 'train'), train);
  await writeTokens(join(dir, 'valid'), valid);
  await writeTokenSplitsIndex(dir, ['train', 'valid']);
  return artifactRef(dir, 'tokenize');
}

export async function writeSingleTokens(tokens: Tokens, output = 'test'): Promise<ArtifactRef> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-lm-tokens-'));
  await writeTokens(dir, tokens);
  return artifactRef(dir, 'tokenize', 'tokens', output);
}

/** A save_pretrained folder of a TINY_INIT GPT-2 (a local `base` that trains fast on the cpu backend). */
export async function writeTinyModelFolder(seed = 1): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-lm-model-'));
  const model = createGpt2(TINY_INIT.init, seed);
  await saveGpt2(model, dir);
  disposeGpt2Model(model);
  return dir;
}
