// Fast word scanning for vocab counting and word tokenisation. Splitting 35,000 reviews into ~10M JS strings
// costs about a second in allocation alone; here words are found as [start, end) ranges of the normalised text,
// hashed while scanning, and looked up in an open-addressing table that compares characters in place. A string is
// allocated only when a new word enters the table.
import { isPyWhitespace } from './normalize.ts';

const EMPTY = -1;

/** Word → dense id (0, 1, 2, … in insertion order), looked up by a range of a larger string. */
export class WordTable {
  private readonly words: string[] = [];
  private slots = new Int32Array(1 << 12).fill(EMPTY); // slot → id
  private slotHashes = new Int32Array(1 << 12);

  get size(): number {
    return this.words.length;
  }

  word(id: number): string {
    return this.words[id];
  }

  /** Id of text[start, end) (its FNV-1a `hash`, as scanWords gives it), or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot];
      if (id === EMPTY) return -1;
      if (this.slotHashes[slot] === hash && equalsRange(this.words[id], text, start, end)) return id;
    }
  }

  /** Id of text[start, end), inserting it when absent. */
  add(text: string, start: number, end: number, hash: number): number {
    const found = this.find(text, start, end, hash);
    if (found >= 0) return found;
    const id = this.words.length;
    this.words.push(text.slice(start, end));
    if (this.words.length * 2 > this.slots.length) this.grow();
    this.place(id, hash);
    return id;
  }

  /** Id of a whole string, inserting it when absent. */
  addWord(word: string): number {
    return this.add(word, 0, word.length, hashRange(word, 0, word.length));
  }

  private place(id: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.slots[slot] = id;
    this.slotHashes[slot] = hash;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.slotHashes;
    this.slots = new Int32Array(oldSlots.length * 2).fill(EMPTY);
    this.slotHashes = new Int32Array(oldSlots.length * 2);
    for (let s = 0; s < oldSlots.length; s++) if (oldSlots[s] !== EMPTY) this.place(oldSlots[s], oldHashes[s]);
  }
}

/**
 * Calls visit(start, end, hash) for every maximal run of non-whitespace in `text` (Python's str.split() with no
 * argument, over UTF-16 code units: no Python whitespace character is outside the BMP), until visit returns false.
 */
export function scanWords(text: string, visit: (start: number, end: number, hash: number) => boolean | void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isPyWhitespace(text.charCodeAt(i))) i++;
    if (i === n) return;
    const start = i;
    let hash = 0x811c9dc5;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (isPyWhitespace(c)) break;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    if (visit(start, i, hash | 0) === false) return;
  }
}

export function hashRange(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}

function equalsRange(word: string, text: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
