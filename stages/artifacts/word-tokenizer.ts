// The word tokenization a classifier was trained with, kept inside its model artifact so that `predict` and
// `export` turn new text into ids exactly as the training rows were turned (stages/text/word-ids.ts):
//   tokenizer.json  {format: 'tfpipe-word-tokenizer/1', lowercase, strip_punctuation, punctuation, split,
//                    stopword_list, stopwords: [...], max_length, pad_token, pad_index, unk_token, unk_index,
//                    empty_text}
//   vocab.json      the tokens, index = id: ["<pad>", "<unk>", "movie", ...]
// The rules are data, not names: the stopword list itself is written out, and `split` names Python's str.split()
// (whitespace as str.isspace()), so a reader in another language can apply them without tfpipe.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PY_PUNCTUATION, type StopwordListName, type WordNormalization } from '../text/normalize.ts';
import { encodeWordRows, type WordVocab } from '../text/word-ids.ts';
import type { Tokens } from './tokens.ts';
import type { Vocab } from './vocab.ts';

export const TOKENIZER_FILE = 'tokenizer.json';
export const VOCAB_LIST_FILE = 'vocab.json';
const FORMAT = 'tfpipe-word-tokenizer/1';

export interface WordTokenizer {
  vocab: WordVocab;
  stopwords: ReadonlySet<string>;
  /** Words kept per text (the training tokens' max_length). */
  maxLength: number;
}

interface TokenizerJson {
  format: typeof FORMAT;
  lowercase: boolean;
  strip_punctuation: boolean;
  /** The characters removed when strip_punctuation is on (Python's string.punctuation). */
  punctuation: string;
  /** How the normalised text is cut into words. */
  split: 'python-str-split';
  stopword_list: StopwordListName;
  /** Words dropped after splitting, before the vocabulary lookup. */
  stopwords: string[];
  max_length: number;
  pad_token: string;
  pad_index: number;
  unk_token: string;
  unk_index: number;
  /** A text with no word left becomes one unk id (a packed LSTM cannot read a length-0 row). */
  empty_text: 'unk';
}

export function wordTokenizerOf(vocab: Vocab, stopwords: ReadonlySet<string>, maxLength: number): WordTokenizer {
  return { vocab, stopwords, maxLength };
}

export async function writeWordTokenizer(dir: string, tokenizer: WordTokenizer): Promise<void> {
  const { vocab } = tokenizer;
  const json: TokenizerJson = {
    format: FORMAT,
    lowercase: vocab.normalization.lowercase,
    strip_punctuation: vocab.normalization.stripPunctuation,
    punctuation: PY_PUNCTUATION,
    split: 'python-str-split',
    stopword_list: vocab.normalization.stopwords,
    stopwords: [...tokenizer.stopwords],
    max_length: tokenizer.maxLength,
    pad_token: vocab.padToken,
    pad_index: vocab.padIndex,
    unk_token: vocab.unkToken,
    unk_index: vocab.unkIndex,
    empty_text: 'unk',
  };
  await writeFile(join(dir, TOKENIZER_FILE), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(dir, VOCAB_LIST_FILE), JSON.stringify(vocab.tokens) + '\n');
}

export async function readWordTokenizer(dir: string): Promise<WordTokenizer> {
  const path = join(dir, TOKENIZER_FILE);
  const json = (await readJson(path)) as Partial<TokenizerJson>;
  if (json.format !== FORMAT) throw new Error(`${path}: not a tfpipe word tokenizer (format ${String(json.format)})`);
  const tokens = await readJson(join(dir, VOCAB_LIST_FILE));
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    throw new Error(`${join(dir, VOCAB_LIST_FILE)}: expected a list of tokens`);
  const normalization: WordNormalization = {
    lowercase: json.lowercase === true,
    stripPunctuation: json.strip_punctuation === true,
    stopwords: json.stopword_list ?? 'none',
  };
  const vocab: WordVocab = {
    tokens,
    padToken: String(json.pad_token),
    padIndex: Number(json.pad_index),
    unkToken: String(json.unk_token),
    unkIndex: Number(json.unk_index),
    normalization,
  };
  for (const [key, id] of [
    ['pad_index', vocab.padIndex],
    ['unk_index', vocab.unkIndex],
  ] as const) {
    if (!Number.isInteger(id) || id < 0 || id >= tokens.length)
      throw new Error(`${path}: ${key} ${id} is not an id of the ${tokens.length}-token vocab`);
  }
  if (!Number.isInteger(json.max_length) || json.max_length! < 1)
    throw new Error(`${path}: max_length must be a whole number >= 1`);
  return { vocab, stopwords: new Set(json.stopwords ?? []), maxLength: json.max_length! };
}

/** Texts → padded word ids, as tokenize mode word makes them (no labels). */
export function encodeTexts(tokenizer: WordTokenizer, texts: readonly string[]): Tokens {
  const padded = encodeWordRows(texts, tokenizer.vocab, tokenizer.stopwords, tokenizer.maxLength);
  return {
    mode: 'word',
    layout: 'pad',
    rows: texts.length,
    width: tokenizer.maxLength,
    ids: padded.ids,
    lengths: padded.lengths,
    labelKind: 'none',
    labels: null,
    labelNames: [],
    vocabSize: tokenizer.vocab.tokens.length,
    padId: tokenizer.vocab.padIndex,
  };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: malformed JSON (${(error as Error).message})`);
  }
}
