// JSON files a model folder holds (config.json, adapter_config.json, model.safetensors.index.json) and safetensors
// headers: a malformed one is an error naming the file and the line and column, never JSON.parse's bare text
// (which, for an unexpected token, gives no position at all).
import { readFile } from 'node:fs/promises';

/** Reads and parses a JSON file; errors name `path`. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseJsonText(text, path);
}

/** JSON.parse with an error naming `source`, the line and column of the first fault, and what was expected. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = findJsonFault(text);
    const reason = (error as Error).message
      .replace(/,? ?(\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    if (at === null) throw new Error(`${source}: malformed JSON (${reason})`);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new Error(`${source}: malformed JSON at line ${line}, column ${column} (byte ${at}): ${reason}`);
  }
}

/**
 * The offset of the first character that makes `text` invalid JSON (text.length for a truncated document), or null
 * when it finds none. A plain recursive-descent scan, run only after JSON.parse has failed.
 */
export function findJsonFault(text: string): number | null {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) (i++, fail());
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '' || match[0] === '-') fail();
    i += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    space();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (ch === '{') {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    number();
  };
  try {
    value(0);
    space();
    return i < text.length ? i : null;
  } catch (at) {
    if (typeof at !== 'number') return null; // a stack overflow on absurd nesting: no position to give
    return Math.min(at, text.length);
  }
}
