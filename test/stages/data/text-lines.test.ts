import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { textBuilderRows, wikitextRawText, wikitextRows } from '../../../stages/data/text-lines.ts';
import { readDecodedBuffer } from '../../../stages/data/read-file.ts';
import { readFile } from 'node:fs/promises';
import { FULL_WIKITEXT_TEST, WIKITEXT_TEST_HEAD } from '../../helpers/context.ts';

test('HF text builder: lines without their newline, blank lines kept, universal newlines', () => {
  assert.deepEqual(textBuilderRows('a\n\nb\n'), ['a', '', 'b']);
  assert.deepEqual(textBuilderRows('a\nb'), ['a', 'b']);
  assert.deepEqual(textBuilderRows('a\r\nb\rc\n\n'), ['a', 'b', 'c', '']);
  assert.deepEqual(textBuilderRows('  x  \n'), ['  x  ']);
  assert.deepEqual(textBuilderRows(''), []);
});

test('HF wikitext builder: lines keep their newline, whitespace-only lines become ""', () => {
  assert.deepEqual(wikitextRows(' \n = T = \n \n text . \n'), ['', ' = T = \n', '', ' text . \n']);
  assert.deepEqual(wikitextRows('a\n\u3000\n'), ['a\n', '']);
  assert.equal(wikitextRawText(['', ' = T = \n', '']), ' \n = T = \n \n');
});

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

test("WikiText-2 test's first lines (data/): one row a line as HF gives them, and back to the same bytes", async () => {
  const bytes = await readFile(WIKITEXT_TEST_HEAD);
  const rows = wikitextRows(bytes.toString('utf8'));
  assert.equal(rows.length, bytes.toString('utf8').split('\n').length - 1, 'one row per line');
  assert.equal(rows[0], '');
  assert.equal(rows[1], ' = Robert Boulter = \n');
  assert.ok(rows.some((row) => row === '') && rows.every((row) => row === '' || row.endsWith('\n')));
  assert.equal(sha256(wikitextRawText(rows)), sha256(bytes));
});

test(
  'WikiText-2 test file: 4,358 rows as HF gives them, and back to the published bytes',
  { skip: FULL_WIKITEXT_TEST.skip },
  async () => {
    const { result } = await readDecodedBuffer(FULL_WIKITEXT_TEST.path);
    const rows = wikitextRows(result.toString('utf8'));
    assert.equal(rows.length, 4358);
    assert.equal(rows[0], '');
    assert.equal(rows[1], ' = Robert Boulter = \n');
    assert.ok(rows.every((row) => row === '' || row.endsWith('\n')));
    // The published sha256 of the original wiki.test.raw (data/README.md).
    assert.equal(sha256(wikitextRawText(rows)), '173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08');
  },
);
