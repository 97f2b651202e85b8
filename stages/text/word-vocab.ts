// Counting words and choosing the vocabulary, as the homework's
//   counter = Counter(); for review in train: counter.update(preprocess(review))
//   vocab = {'<pad>': 0, '<unk>': 1}; for word, freq in counter.items(): if freq >= 5: vocab[word] = len(vocab)
// Counter.items() is in first-occurrence order, and so is the result here.
import { normalizeText, type WordNormalization } from './normalize.ts';
import { scanWords, WordTable } from './word-table.ts';

/** Distinct words in first-occurrence order with their counts; stopwords excluded. */
export interface WordCounts {
  words: string[];
  counts: Uint32Array;
  /** Words counted (after stopword removal), over all rows. */
  total: number;
}

export function countWords(
  texts: readonly string[],
  normalization: WordNormalization,
  stopwords: ReadonlySet<string>,
  onRow?: (row: number) => void,
): WordCounts {
  // Stopwords take ids [0, firstWordId) so that one table lookup both filters and counts.
  const table = new WordTable();
  for (const w of stopwords) table.addWord(w);
  const firstWordId = table.size;
  let counts: Uint32Array = new Uint32Array(1024);
  let total = 0;
  texts.forEach((text, row) => {
    const normalized = normalizeText(text, normalization);
    scanWords(normalized, (start, end, hash) => {
      const id = table.add(normalized, start, end, hash) - firstWordId;
      if (id < 0) return;
      if (id >= counts.length) counts = grow(counts);
      counts[id]++;
      total++;
    });
    onRow?.(row);
  });
  const size = table.size - firstWordId;
  const words = Array.from({ length: size }, (_, i) => table.word(firstWordId + i));
  return { words, counts: counts.slice(0, size), total };
}

export interface VocabChoice {
  minFreq: number;
  /** Most tokens in the vocabulary, the two specials included; null for no limit. */
  maxSize: number | null;
  /** The specials in id order: [pad, unk] or [unk, pad]. */
  specials: readonly [string, string];
}

export interface ChosenVocab {
  /** tokens[id]: the specials first, then the kept words in first-occurrence order. */
  tokens: string[];
  /** Train count per id; the unk entry counts the train words that map to unk, pad's is 0. */
  counts: Uint32Array;
  /** Words with count ≥ minFreq before the max_size cut. */
  eligible: number;
  /** Words equal to a special token, left out (only possible when punctuation is kept). */
  clashes: string[];
}

/**
 * Keeps words seen at least minFreq times. With maxSize, keeps the most frequent (ties: earlier first occurrence
 * wins) but still lists them in first-occurrence order, so a limit that cuts nothing changes nothing.
 */
export function chooseVocab(counted: WordCounts, choice: VocabChoice, unkSlot: 0 | 1): ChosenVocab {
  const { words, counts } = counted;
  const specials = new Set<string>(choice.specials);
  const clashes: string[] = [];
  let kept: number[] = [];
  for (let i = 0; i < words.length; i++) {
    if (counts[i] < choice.minFreq) continue;
    if (specials.has(words[i])) clashes.push(words[i]);
    else kept.push(i);
  }
  const eligible = kept.length;
  const room = choice.maxSize === null ? Infinity : Math.max(0, choice.maxSize - 2);
  if (kept.length > room) {
    // Stable sort keeps first-occurrence order among equal counts; then back to first-occurrence order.
    kept = kept
      .sort((a, b) => counts[b] - counts[a] || a - b)
      .slice(0, room)
      .sort((a, b) => a - b);
  }
  const tokens = [...choice.specials, ...kept.map((i) => words[i])];
  const vocabCounts = new Uint32Array(tokens.length);
  let inVocab = 0;
  kept.forEach((wordIndex, k) => {
    vocabCounts[k + 2] = counts[wordIndex];
    inVocab += counts[wordIndex];
  });
  vocabCounts[unkSlot] = counted.total - inVocab;
  return { tokens, counts: vocabCounts, eligible, clashes };
}

function grow(counts: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(counts.length * 2);
  bigger.set(counts);
  return bigger;
}
