// The word tokenization a classifier was trained with, kept inside its model artifact so that `predict` and
// `export` turn new text into ids exactly as the training rows were turned (stages/text/word-ids.ts):
// tokenizer.json (the rules) and vocab.json (the tokens), whose shapes and parsing are in word-tokenizer-rules.ts.
// The rules are data, not names: the stopword list itself is written out, and `split` names Python's str.split()
// (whitespace as str.isspace()), so a reader in another language can apply them without tfpipe.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Vocab } from './vocab.ts';
import { tokenizerJsonOf, wordTokenizerFromJson, type WordTokenizer } from './word-tokenizer-rules.ts';

export { encodeTexts, type WordTokenizer } from './word-tokenizer-rules.ts';

export const TOKENIZER_FILE = 'tokenizer.json';
export const VOCAB_LIST_FILE = 'vocab.json';

export function wordTokenizerOf(vocab: Vocab, stopwords: ReadonlySet<string>, maxLength: number): WordTokenizer {
  return { vocab, stopwords, maxLength };
}

export async function writeWordTokenizer(dir: string, tokenizer: WordTokenizer): Promise<void> {
  await writeFile(join(dir, TOKENIZER_FILE), JSON.stringify(tokenizerJsonOf(tokenizer), null, 2) + '\n');
  await writeFile(join(dir, VOCAB_LIST_FILE), JSON.stringify(tokenizer.vocab.tokens) + '\n');
}

export async function readWordTokenizer(dir: string): Promise<WordTokenizer> {
  const path = join(dir, TOKENIZER_FILE);
  const vocabPath = join(dir, VOCAB_LIST_FILE);
  return wordTokenizerFromJson(await readJson(path), await readJson(vocabPath), path, vocabPath);
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: malformed JSON (${(error as Error).message})`);
  }
}
