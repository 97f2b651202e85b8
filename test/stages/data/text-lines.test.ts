import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { textBuilderRows, wikitextRawText, wikitextRows } from '../../../stages/data/text-lines.ts';
import { readDecodedBuffer } from '../../../stages/data/read-file.ts';
import { SHARED_DATA } from '../../helpers/context.ts';

test("HF text builder: lines without their newline, blank lines kept, universal newlines", () => {
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

test('WikiText-2 test file: 4,358 rows as HF gives them, and back to the published bytes', async () => {
  const { result } = await readDecodedBuffer(join(SHARED_DATA, 'wikitext-2-raw-v1/test.txt.gz'));
  const rows = wikitextRows(result.toString('utf8'));
  assert.equal(rows.length, 4358);
  assert.equal(rows[0], '');
  assert.equal(rows[1], ' = Robert Boulter = \n');
  assert.ok(rows.every((row) => row === '' || row.endsWith('\n')));
  // shared/data/README.md: sha256 of the original wiki.test.raw.
  const sha = createHash('sha256').update(wikitextRawText(rows)).digest('hex');
  assert.equal(sha, '173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08');
});
