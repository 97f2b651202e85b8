import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readParquetRows } from '../../../stages/data/parquet.ts';
import { buildParquet } from './parquet-writer.ts';

async function fixture(bytes: Buffer): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'tfpipe-pq-')), 'data.parquet');
  await writeFile(path, bytes);
  return path;
}

test('parquet: text and label columns by name, UTF-8 and empty strings kept', async () => {
  const path = await fixture(
    buildParquet([
      { name: 'id', values: ['a', 'b', 'c'] },
      { name: 'text', values: ['', 'ünï\n', 'x'] },
      { name: 'y', values: ['1', '0', '1'] },
    ]),
  );
  const rows = await readParquetRows(path, { text: 'text', label: 'y' }, 'data.parquet');
  assert.deepEqual(rows.texts, ['', 'ünï\n', 'x']);
  assert.deepEqual(rows.labels, ['1', '0', '1']);
  assert.equal(rows.where(2), 'data.parquet: row 2');
});

test('parquet: a missing column lists the columns; a non-parquet file says so', async () => {
  const path = await fixture(buildParquet([{ name: 'body', values: ['a'] }]));
  await assert.rejects(
    readParquetRows(path, { text: 'text' }, 'data.parquet'),
    /data\.parquet: no column "text" for the text; the columns are "body"/,
  );
  await assert.rejects(
    readParquetRows(await fixture(Buffer.from('id,text\n1,a\n')), { text: 'text' }, 'x.parquet'),
    /x\.parquet: not a parquet file/,
  );
});
