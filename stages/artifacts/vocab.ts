// The `vocab` artifact: a word-level vocabulary, stored as
//   vocab.json   {format: 'tfpipe-vocab/1', size, tokens (index = id), pad_token, pad_index, unk_token, unk_index,
//                 min_freq, max_size, lowercase, strip_punctuation, stopwords}
//   counts.u32   size entries: the train count of each token (unk: train words that map to unk; pad: 0)
// The normalisation fields say how text became words, so that tokenize splits text exactly as the vocab saw it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StopwordListName, WordNormalization } from '../text/normalize.ts';
import { readTyped, writeTyped } from './typed-file.ts';

export interface Vocab {
  /** tokens[id] is the token with that id. */
  tokens: string[];
  counts: Uint32Array;
  padToken: string;
  padIndex: number;
  unkToken: string;
  unkIndex: number;
  minFreq: number;
  maxSize: number | null;
  normalization: WordNormalization;
}

interface VocabJson {
  format: 'tfpipe-vocab/1';
  size: number;
  pad_token: string;
  pad_index: number;
  unk_token: string;
  unk_index: number;
  min_freq: number;
  max_size: number | null;
  lowercase: boolean;
  strip_punctuation: boolean;
  stopwords: StopwordListName;
  tokens: string[];
}

export async function writeVocab(dir: string, vocab: Vocab): Promise<void> {
  if (vocab.counts.length !== vocab.tokens.length) {
    throw new Error(`vocab has ${vocab.tokens.length} tokens but ${vocab.counts.length} counts`);
  }
  await mkdir(dir, { recursive: true });
  const json: VocabJson = {
    format: 'tfpipe-vocab/1',
    size: vocab.tokens.length,
    pad_token: vocab.padToken,
    pad_index: vocab.padIndex,
    unk_token: vocab.unkToken,
    unk_index: vocab.unkIndex,
    min_freq: vocab.minFreq,
    max_size: vocab.maxSize,
    lowercase: vocab.normalization.lowercase,
    strip_punctuation: vocab.normalization.stripPunctuation,
    stopwords: vocab.normalization.stopwords,
    tokens: vocab.tokens,
  };
  await writeFile(join(dir, 'vocab.json'), JSON.stringify(json) + '\n');
  await writeTyped(join(dir, 'counts.u32'), vocab.counts);
}

export async function readVocab(dir: string): Promise<Vocab> {
  const json = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as VocabJson;
  if (json.format !== 'tfpipe-vocab/1') throw new Error(`${dir}: not a tfpipe vocab (format ${String(json.format)})`);
  const counts = await readTyped(join(dir, 'counts.u32'), Uint32Array);
  if (json.tokens.length !== json.size || counts.length !== json.size) {
    throw new Error(
      `${dir}: vocab.json says ${json.size} tokens, holds ${json.tokens.length}, counts.u32 has ${counts.length}`,
    );
  }
  return {
    tokens: json.tokens,
    counts,
    padToken: json.pad_token,
    padIndex: json.pad_index,
    unkToken: json.unk_token,
    unkIndex: json.unk_index,
    minFreq: json.min_freq,
    maxSize: json.max_size,
    normalization: { lowercase: json.lowercase, stripPunctuation: json.strip_punctuation, stopwords: json.stopwords },
  };
}
