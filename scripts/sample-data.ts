// Writes the data samples committed under data/ (see data/README.md) from the full catalog files in $TFPIPE_DATA:
//   data/imdb-sample.csv.gz     the header and every 10th data row of imdb/IMDB_Dataset.csv.gz (rows 0, 10, 20, …),
//                               kept byte for byte: 5,000 reviews, 2,500 of each sentiment
//   data/wikitext-2-test-head.txt  the first 600 lines of wikitext-2-raw-v1/test.txt.gz, byte for byte
// Run: TFPIPE_DATA=/path/to/data node --import tsx scripts/sample-data.ts
// Every row of the IMDB CSV is one line (no review holds CR or LF; see the data README), so lines are rows.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const IMDB_EVERY = 10;
const WIKITEXT_LINES = 600;

const data = process.env.TFPIPE_DATA;
if (!data) {
  process.stderr.write('sample-data: set TFPIPE_DATA to the folder holding imdb/ and wikitext-2-raw-v1/\n');
  process.exit(2);
}
const out = resolve(import.meta.dirname, '../data');

const imdb = gunzipSync(readFileSync(join(data, 'imdb/IMDB_Dataset.csv.gz')))
  .toString('utf8')
  .split('\n');
const [header, ...rows] = imdb[imdb.length - 1] === '' ? imdb.slice(0, -1) : imdb;
const kept = rows.filter((_, row) => row % IMDB_EVERY === 0);
// level 9, and Node writes mtime 0: the same rows always give the same bytes.
writeFileSync(join(out, 'imdb-sample.csv.gz'), gzipSync([header, ...kept].join('\n') + '\n', { level: 9 }));

const wikitext = gunzipSync(readFileSync(join(data, 'wikitext-2-raw-v1/test.txt.gz')))
  .toString('utf8')
  .split('\n');
writeFileSync(join(out, 'wikitext-2-test-head.txt'), wikitext.slice(0, WIKITEXT_LINES).join('\n') + '\n');
process.stdout.write(
  `data/imdb-sample.csv.gz: ${kept.length} reviews; data/wikitext-2-test-head.txt: ${WIKITEXT_LINES} lines\n`,
);
