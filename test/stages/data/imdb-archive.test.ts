import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { collectImdbRows } from '../../../stages/data/imdb-archive.ts';
import { canonicalSha256 } from '../../../stages/data/canonical-text.ts';
import { readCsvRows } from '../../../stages/data/csv.ts';
import { FULL_IMDB_CSV, fullDataFile } from '../../helpers/context.ts';
import { buildTar } from './make-fixtures.ts';

async function* chunksOf(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test('aclImdb archive rows come out in the README order: train/pos, train/neg, test/pos, test/neg, by numeric id', async () => {
  const tar = buildTar([
    { name: 'aclImdb/README', data: 'not a review' },
    { name: 'aclImdb/test/neg/3_2.txt', data: 'T-neg 3' },
    { name: 'aclImdb/train/pos/10_8.txt', data: 'pos 10' },
    { name: 'aclImdb/train/unsup/0_0.txt', data: 'unlabelled' },
    { name: 'aclImdb/train/pos/2_9.txt', data: 'pos 2, "quoted"<br /><br />' },
    { name: 'aclImdb/train/neg/0_1.txt', data: ' neg 0 keeps its spaces ' },
    { name: 'aclImdb/test/pos/1_10.txt', data: 'T-pos 1 ünïcode' },
    { name: 'aclImdb/train/urls_pos.txt', data: 'http://' },
  ]);
  const rows = await collectImdbRows(chunksOf(tar, 300), 'aclImdb_v1.tar.gz');
  assert.deepEqual(rows.texts, [
    'pos 2, "quoted"<br /><br />',
    'pos 10',
    ' neg 0 keeps its spaces ',
    'T-pos 1 ünïcode',
    'T-neg 3',
  ]);
  assert.deepEqual(rows.labels, ['positive', 'positive', 'negative', 'positive', 'negative']);
  assert.equal(rows.where(1), 'aclImdb_v1.tar.gz (train/pos/10)');
  await assert.rejects(
    collectImdbRows(chunksOf(buildTar([{ name: 'x.txt', data: 'x' }]), 512), 'a.tgz'),
    /no aclImdb\/\{train,test\}\/\{pos,neg\}/,
  );
});

const IMDB_ROWS = fullDataFile('imdb/IMDB_Dataset.rows.csv.gz', "the full IMDB CSV's row sidecar");

test(
  'all 50,000 reviews as aclImdb files give exactly the full CSV (sha256 of the written-back text)',
  { skip: FULL_IMDB_CSV.skip || IMDB_ROWS.skip },
  async () => {
    // Rebuild the archive layout from the CSV and its sidecar (row n ↔ aclImdb_file), in reverse order so that
    // the reader's sorting does the work; the result must write back to the published uncompressed CSV hash.
    const { result: csv } = await readCsvRows(
      FULL_IMDB_CSV.path,
      { text: 'review', label: 'sentiment' },
      'IMDB_Dataset.csv.gz',
    );
    const sidecar = gunzipSync(readFileSync(IMDB_ROWS.path)).toString('utf8').trim().split('\n').slice(1);
    assert.equal(sidecar.length, 50000);
    const files = sidecar
      .map((line, row) => ({ name: `aclImdb/${line.split(',')[5]}`, data: csv.texts[row] }))
      .reverse();
    const rows = await collectImdbRows(chunksOf(buildTar(files), 1 << 20), 'rebuilt.tar');
    assert.equal(rows.texts.length, 50000);
    assert.equal(
      canonicalSha256('csv', rows, { text: 'review', label: 'sentiment' }),
      'b76d06505a673565fae3963ecaf74b1c2334eb8903ea98135d4ee4ee9592a9bb',
    );
  },
);
