import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvRows } from '../../../stages/data/csv.ts';
import { parseJsonlRows } from '../../../stages/data/jsonl.ts';
import { assignLabelIds } from '../../../stages/data/labels.ts';

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-csv-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const COLUMNS = { text: 'review', label: 'sentiment' };

test('csv: quoted commas, quotes and line breaks; BOM dropped; gzip read transparently', async () => {
  const content =
    '\ufeffreview,sentiment\n"Good, really",positive\n"He said ""no""\nand left",negative\nplain,positive\n';
  for (const [name, bytes] of [
    ['a.csv', Buffer.from(content)],
    ['b.csv.gz', gzipSync(content)],
    ['no-extension', gzipSync(content)],
  ] as const) {
    const { result } = await readCsvRows(await fixture(name, bytes), COLUMNS, name);
    assert.deepEqual(result.texts, ['Good, really', 'He said "no"\nand left', 'plain'], name);
    assert.deepEqual(result.labels, ['positive', 'negative', 'positive']);
    assert.equal(result.where(2), `${name}:5`, 'the row after a two-line record starts on line 5');
  }
});

test('csv: a malformed row names the file and its line', async () => {
  const path = await fixture('IMDB.csv', 'review,sentiment\nfine,positive\nan unquoted, comma,negative\n');
  await assert.rejects(
    readCsvRows(path, COLUMNS, 'IMDB.csv'),
    /^DataError: IMDB\.csv:3: malformed row: .*expect 2, got 3/,
  );
  const strayQuote = await fixture(
    'IMDB.csv',
    'review,sentiment\nfine,positive\nfine,positive\nbroken "quote",negative\n',
  );
  await assert.rejects(
    readCsvRows(strayQuote, COLUMNS, 'IMDB.csv'),
    /^DataError: IMDB\.csv:4: malformed row: Invalid Opening Quote/,
  );
  const badQuote = await fixture(
    'IMDB.csv',
    'review,sentiment\nfine,positive\nok,positive\n"never closed,negative\nmore,positive\n',
  );
  await assert.rejects(
    readCsvRows(badQuote, COLUMNS, 'IMDB.csv'),
    /^DataError: IMDB\.csv:4: a quoted field that starts on this row is never closed/,
  );
});

test('csv: a missing column lists the columns that exist', async () => {
  const path = await fixture('data.csv', 'text,label\nhello,1\n');
  await assert.rejects(readCsvRows(path, COLUMNS, 'data.csv'), (error: Error) => {
    assert.equal(error.message, 'data.csv:1: no column "review" for the text; the columns are "text", "label"');
    return true;
  });
});

test('csv: an empty file is an error; a header alone gives no rows', async () => {
  await assert.rejects(readCsvRows(await fixture('e.csv', ''), COLUMNS, 'e.csv'), /e\.csv: the file is empty/);
  const { result } = await readCsvRows(await fixture('h.csv', 'review,sentiment\n'), COLUMNS, 'h.csv');
  assert.equal(result.texts.length, 0);
});

test('jsonl: keys picked, scalar labels kept as text, bad lines named', () => {
  const rows = parseJsonlRows('{"t":"a","y":1}\n\n{"t":"b","y":0}\n', { text: 't', label: 'y' }, 'x.jsonl');
  assert.deepEqual(rows.texts, ['a', 'b']);
  assert.deepEqual(rows.labels, ['1', '0']);
  assert.equal(rows.where(1), 'x.jsonl:3');
  assert.throws(
    () => parseJsonlRows('{"t":"a"}\n{oops\n', { text: 't' }, 'x.jsonl'),
    /^DataError: x\.jsonl:2: not valid JSON/,
  );
  assert.throws(
    () => parseJsonlRows('{"body":"a","n":1}\n', { text: 't' }, 'x.jsonl'),
    /x\.jsonl:1: no key "t" for the text; this line has "body", "n"/,
  );
  assert.throws(
    () => parseJsonlRows('{"t":3}\n', { text: 't' }, 'x.jsonl'),
    /"t" is number; the text must be a string/,
  );
});

test('labels: given names fix the ids; otherwise sorted (numerically when numbers)', () => {
  const rows = (labels: string[]) => ({ texts: labels.map(() => ''), labels, where: (i: number) => `f.csv:${i + 2}` });
  assert.deepEqual(assignLabelIds(rows(['pos', 'neg', 'pos']), ['neg', 'pos']), {
    labels: Int32Array.from([1, 0, 1]),
    labelNames: ['neg', 'pos'],
  });
  assert.deepEqual(assignLabelIds(rows(['10', '9', '2'])).labelNames, ['2', '9', '10']);
  assert.deepEqual(assignLabelIds(rows(['b', 'a', 'B'])).labelNames, ['B', 'a', 'b']);
  assert.throws(
    () => assignLabelIds(rows(['pos', 'meh']), ['neg', 'pos']),
    /f\.csv:3: label "meh" is not in labels \[neg, pos\]/,
  );
  assert.throws(() => assignLabelIds(rows(['pos', ''])), /f\.csv:3: the label is empty/);
});
