// Word-level ids, as the homework: preprocess(text) → [vocab.get(w, unk) for w in words][:max_length], padded.
// A row with no words left (all stopwords or punctuation) becomes one unk token of length 1: packed LSTMs
// (pack_padded_sequence) reject length-0 sequences, and unk is the id that carries no word.
import type { Vocab } from '../artifacts/vocab.ts';
import { normalizeText } from './normalize.ts';
import { scanWords, WordTable } from './word-table.ts';

/** What encoding needs of a vocab (a vocab artifact, or the copy a model artifact keeps: word-tokenizer.ts). */
export type WordVocab = Pick<Vocab, 'tokens' | 'padToken' | 'padIndex' | 'unkToken' | 'unkIndex' | 'normalization'>;

/** Table value of a stopword: dropped before the vocab lookup, as preprocess() drops it. */
const STOPWORD = -1;

export interface PaddedRows {
  /** rows × width, row-major, padded with the pad id. */
  ids: Int32Array;
  lengths: Int32Array;
  width: number;
  /** Rows that had more than width words. */
  truncated: number;
  /** Rows with no word left, stored as one unk. */
  empty: number;
  /** Words mapped to unk, over the kept positions. */
  unknown: number;
  /** Ids stored, padding excluded. */
  tokens: number;
}

export function encodeWordRows(
  texts: readonly string[],
  vocab: WordVocab,
  stopwords: ReadonlySet<string>,
  maxLength: number,
  onRow?: (row: number) => void,
): PaddedRows {
  const { table, idOf } = buildLookup(vocab, stopwords);
  const rows = texts.length;
  const ids = new Int32Array(rows * maxLength).fill(vocab.padIndex);
  const lengths = new Int32Array(rows);
  let truncated = 0;
  let empty = 0;
  let unknown = 0;
  let tokens = 0;
  texts.forEach((text, row) => {
    const normalized = normalizeText(text, vocab.normalization);
    const base = row * maxLength;
    let length = 0;
    let overflow = false;
    scanWords(normalized, (start, end, hash) => {
      const entry = table.find(normalized, start, end, hash);
      const id = entry < 0 ? vocab.unkIndex : idOf[entry];
      if (id === STOPWORD) return true;
      if (length === maxLength) {
        overflow = true;
        return false;
      }
      if (id === vocab.unkIndex) unknown++;
      ids[base + length++] = id;
      return true;
    });
    if (overflow) truncated++;
    if (length === 0) {
      ids[base] = vocab.unkIndex;
      length = 1;
      empty++;
    }
    lengths[row] = length;
    tokens += length;
    onRow?.(row);
  });
  return { ids, lengths, width: maxLength, truncated, empty, unknown, tokens };
}

/** The vocab's tokens take table ids equal to their vocab ids; stopwords follow, marked STOPWORD. */
function buildLookup(vocab: WordVocab, stopwords: ReadonlySet<string>): { table: WordTable; idOf: Int32Array } {
  const table = new WordTable();
  for (const token of vocab.tokens) table.addWord(token);
  if (table.size !== vocab.tokens.length)
    throw new Error(`vocab lists a token twice (${vocab.tokens.length} tokens, ${table.size} distinct)`);
  const stopIds = [...stopwords].map((w) => table.addWord(w));
  const idOf = new Int32Array(table.size);
  for (let id = 0; id < vocab.tokens.length; id++) idOf[id] = id;
  for (const id of stopIds) idOf[id] = STOPWORD;
  return { table, idOf };
}
