// Stopword lists shipped as data files next to this module, one word per line.
// stopwords-en.txt is NLTK 3.x's `stopwords.words('english')`: the 179-word list (i, me, my, … won't, wouldn, wouldn't).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StopwordListName } from './normalize.ts';

const FILES: Record<Exclude<StopwordListName, 'none'>, string> = { 'nltk-english': 'stopwords-en.txt' };

const cache = new Map<StopwordListName, Promise<ReadonlySet<string>>>();

export function stopwordFilePath(name: Exclude<StopwordListName, 'none'>): string {
  return join(import.meta.dirname, FILES[name]);
}

/** The list as a set; 'none' is the empty set. Read once per process. */
export function loadStopwords(name: StopwordListName): Promise<ReadonlySet<string>> {
  let pending = cache.get(name);
  if (!pending) {
    pending = name === 'none' ? Promise.resolve(new Set<string>()) : readStopwordFile(stopwordFilePath(name));
    cache.set(name, pending);
  }
  return pending;
}

async function readStopwordFile(path: string): Promise<ReadonlySet<string>> {
  const text = await readFile(path, 'utf8');
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  );
}
