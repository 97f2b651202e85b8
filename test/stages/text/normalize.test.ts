// Word normalisation against the homework's Python: preprocess() = lower → strip string.punctuation → split() →
// drop stopwords. The cross-check runs the real /usr/bin/python3 when it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  createWordSplitter,
  HOMEWORK_NORMALIZATION,
  isPyWhitespace,
  normalizeText,
  PY_PUNCTUATION,
} from '../../../stages/text/normalize.ts';
import { loadStopwords, stopwordFilePath } from '../../../stages/text/stopwords.ts';
import { chooseVocab, countWords } from '../../../stages/text/word-vocab.ts';
import { scanWords } from '../../../stages/text/word-table.ts';

const PYTHON = '/usr/bin/python3';

/** Strings that exercise every rule; none uses a letter newer than Python 3.11's Unicode 14. */
const TRICKY = [
  'Hello, World! <br /><br />This is GREAT.',
  'great.<br /><br />This film',
  `He said "don't" \\ back\\slash 'quoted' it's {braces} [x] (y) a|b ~tilde~ ^caret^ _under_ \`tick\``,
  'a\u00a0b\u2003c\x1cd\x85e\ufefff\u3000g\u2028h\u180ei',
  'ΑΣ ΌΣΟΣ. İstanbul Straße ǅemal KELVIN\u212a',
  'tabs\tand\nnewlines\r\n\u000bvertical\u000cfeed',
  "The movie was not bad, I'd say; won't see it again!!!",
  'It is what it is.',
  '😀great😀 film — “curly” ‘quotes’ … 10/10, 1,234.56$',
  '   ',
  '',
  '...!!!',
];

test('stopwords-en.txt holds NLTK English: 179 distinct words, lowercase, no blanks', async () => {
  const lines = readFileSync(stopwordFilePath('nltk-english'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(lines.length, 179);
  assert.equal(new Set(lines).size, 179);
  for (const w of lines) assert.equal(w, w.trim().toLowerCase());
  // The NLTK 3.x list opens with the pronouns and ends with the n't contractions.
  assert.deepEqual(lines.slice(0, 4), ['i', 'me', 'my', 'myself']);
  assert.deepEqual(lines.slice(-2), ['wouldn', "wouldn't"]);
  assert.equal((await loadStopwords('nltk-english')).size, 179);
  assert.equal((await loadStopwords('none')).size, 0);
});

test('PY_PUNCTUATION is string.punctuation and all of it is stripped', () => {
  assert.equal(PY_PUNCTUATION.length, 32);
  assert.equal(normalizeText(PY_PUNCTUATION, HOMEWORK_NORMALIZATION), '');
  assert.equal(normalizeText('<br />', HOMEWORK_NORMALIZATION), 'br ');
});

test('scanWords finds the same words as the regex splitter', async () => {
  const split = createWordSplitter({ ...HOMEWORK_NORMALIZATION, stopwords: 'none' }, new Set());
  for (const text of TRICKY) {
    const normalized = normalizeText(text, HOMEWORK_NORMALIZATION);
    const scanned: string[] = [];
    scanWords(normalized, (start, end) => void scanned.push(normalized.slice(start, end)));
    assert.deepEqual(scanned, split(text), JSON.stringify(text));
  }
});

test('normalisation, whitespace and the homework vocab match real Python', async (t) => {
  if (!existsSync(PYTHON)) {
    t.skip(`${PYTHON} not found`);
    return;
  }
  const stopwordFile = stopwordFilePath('nltk-english');
  // A corpus where first occurrence and frequency disagree, with duplicates across rows.
  const corpus = [
    ...TRICKY,
    'zeta alpha zeta beta',
    'beta gamma alpha. Alpha!',
    'gamma, zeta; beta',
    'br br great film',
  ];
  const script = `
import json, string, sys
from collections import Counter
stop_words = set(w for w in open(sys.argv[1], encoding='utf-8').read().split('\\n') if w)
def preprocess(text):
    text = text.lower()
    text = ''.join(c for c in text if c not in string.punctuation)
    return [w for w in text.split() if w not in stop_words]
data = json.load(sys.stdin)
counter = Counter()
for review in data['corpus']:
    counter.update(preprocess(review))
vocab = {'<pad>': 0, '<unk>': 1}
for word, freq in counter.items():
    if freq >= 2:
        vocab[word] = len(vocab)
json.dump({
    'words': [preprocess(s) for s in data['tricky']],
    'whitespace': [i for i in range(0x10000) if chr(i).isspace()],
    'punctuation': string.punctuation,
    'vocab': list(vocab),
    'counts': [counter[w] for w in list(vocab)[2:]],
}, sys.stdout)
`;
  const out = execFileSync(PYTHON, ['-c', script, stopwordFile], {
    input: JSON.stringify({ tricky: TRICKY, corpus }),
    encoding: 'utf8',
  });
  const py = JSON.parse(out) as {
    words: string[][];
    whitespace: number[];
    punctuation: string;
    vocab: string[];
    counts: number[];
  };

  assert.equal(PY_PUNCTUATION, py.punctuation);
  const jsWhitespace: number[] = [];
  for (let c = 0; c < 0x10000; c++) if (isPyWhitespace(c)) jsWhitespace.push(c);
  assert.deepEqual(jsWhitespace, py.whitespace);

  const stopwords = await loadStopwords('nltk-english');
  const split = createWordSplitter(HOMEWORK_NORMALIZATION, stopwords);
  TRICKY.forEach((text, i) => assert.deepEqual(split(text), py.words[i], JSON.stringify(text)));

  const counted = countWords(corpus, HOMEWORK_NORMALIZATION, stopwords);
  const chosen = chooseVocab(counted, { minFreq: 2, maxSize: null, specials: ['<pad>', '<unk>'] }, 1);
  assert.deepEqual(chosen.tokens, py.vocab);
  assert.deepEqual(Array.from(chosen.counts.slice(2)), py.counts);
});
