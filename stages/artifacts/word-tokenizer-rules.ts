// The word tokenizer's rules as data, with no file access, so that the same code runs in `tfpipe predict` and in
// the browser page of `tfpipe export --web` (runner/web/page/): the JSON shape of tokenizer.json, its parse and
// check, and texts → padded ids. stages/artifacts/word-tokenizer.ts reads and writes the files.
//   tokenizer.json  {format: 'tfpipe-word-tokenizer/1', lowercase, strip_punctuation, punctuation, split,
//                    stopword_list, stopwords: [...], max_length, pad_token, pad_index, unk_token, unk_index,
//                    empty_text}
//   vocab.json      the tokens, index = id: ["<pad>", "<unk>", "movie", ...]
import { PY_PUNCTUATION, type StopwordListName, type WordNormalization } from '../text/normalize.ts';
import { encodeWordRows, type WordVocab } from '../text/word-ids.ts';
import type { Tokens } from './tokens.ts';

export const WORD_TOKENIZER_FORMAT = 'tfpipe-word-tokenizer/1';

export interface WordTokenizer {
  vocab: WordVocab;
  stopwords: ReadonlySet<string>;
  /** Words kept per text (the training tokens' max_length). */
  maxLength: number;
}

export interface TokenizerJson {
  format: typeof WORD_TOKENIZER_FORMAT;
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

export function tokenizerJsonOf(tokenizer: WordTokenizer): TokenizerJson {
  const { vocab } = tokenizer;
  return {
    format: WORD_TOKENIZER_FORMAT,
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
}

/** The tokenizer from parsed tokenizer.json and vocab.json; `path` and `vocabPath` name them in errors. */
export function wordTokenizerFromJson(raw: unknown, tokens: unknown, path: string, vocabPath: string): WordTokenizer {
  const json = (raw ?? {}) as Partial<TokenizerJson>;
  if (json.format !== WORD_TOKENIZER_FORMAT)
    throw new Error(`${path}: not a tfpipe word tokenizer (format ${String(json.format)})`);
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    throw new Error(`${vocabPath}: expected a list of tokens`);
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
