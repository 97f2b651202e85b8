// Word-level text normalisation, matching the homework's Python row for row:
//   text = text.lower(); text = ''.join(c for c in text if c not in string.punctuation)
//   words = [w for w in text.split() if w not in stop_words]
// Differences between JS and Python that matter here, and how they are handled:
// - str.split() splits on Python's whitespace (str.isspace): JS's \s lacks \x1c-\x1f and \x85 and adds \ufeff,
//   so PY_WHITESPACE below lists Python's set exactly (checked against /usr/bin/python3 in the tests).
// - str.lower() and String.prototype.toLowerCase() both apply Unicode's full case mapping with the final-sigma
//   rule ('ΑΣ' → 'ας', 'İ' → 'i̇'); they differ only on letters whose case mapping is newer than the Unicode
//   version of the Python build (Python 3.11 has Unicode 14, Node 20's ICU has 17: 55 code points, e.g. U+A7CB,
//   U+10D50..U+10D65, Garay and Kirat Rai letters), which Python then leaves unchanged.
// - Punctuation is removed after lowercasing, as in Python; no lowercase mapping produces ASCII punctuation, so the
//   order does not change the result. Stopwords with an apostrophe ("don't") can never match once apostrophes are
//   removed ("dont" stays a word) — faithful to the homework.

/** Python's string.punctuation: the 32 ASCII punctuation characters. */
export const PY_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Python's str.isspace() characters (Unicode 14), as one character class. */
export const PY_WHITESPACE_CLASS =
  '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

// The ranges !-/ :-@ [-` {-~ are exactly string.punctuation.
const PUNCTUATION_RE = /[!-/:-@[-`{-~]/g;
const WORD_RE = new RegExp(`[^${PY_WHITESPACE_CLASS.slice(1, -1)}]+`, 'g');

/** Python's str.isspace() for one UTF-16 code unit (every such character is in the BMP). */
export function isPyWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x1c;
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export type StopwordListName = 'nltk-english' | 'none';

/** How text becomes words; stored in the vocab so that tokenize normalises exactly as the vocab was built. */
export interface WordNormalization {
  lowercase: boolean;
  stripPunctuation: boolean;
  stopwords: StopwordListName;
}

export const HOMEWORK_NORMALIZATION: WordNormalization = {
  lowercase: true,
  stripPunctuation: true,
  stopwords: 'nltk-english',
};

export type WordSplitter = (text: string) => string[];

/** Lowercases and strips punctuation as the normalisation says; the result is then split on PY_WHITESPACE. */
export function normalizeText(text: string, normalization: WordNormalization): string {
  const lowered = normalization.lowercase ? text.toLowerCase() : text;
  return normalization.stripPunctuation ? lowered.replace(PUNCTUATION_RE, '') : lowered;
}

/** A function text → words, with the stopword set already resolved (see loadStopwords). */
export function createWordSplitter(normalization: WordNormalization, stopwords: ReadonlySet<string>): WordSplitter {
  return (text) => {
    const words = normalizeText(text, normalization).match(WORD_RE);
    if (words === null) return [];
    if (stopwords.size === 0) return words;
    return words.filter((w) => !stopwords.has(w));
  };
}
