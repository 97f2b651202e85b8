// GPT-2 BPE against the `tokenizers` library's ids (fixtures/hf-reference/tokenizer.json), and the pack / pad
// layouts built from those reference ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_INDEX } from '../../../models/gpt2/batch.ts';
import { encodeBpe, encodeBpeRows, GPT2_EOS_ID, packBlocks, padBpeRows } from '../../../stages/text/bpe.ts';
import { HF_REFERENCE } from '../../helpers/context.ts';

interface Case {
  text: string;
  ids: number[];
}
const CASES = JSON.parse(readFileSync(join(HF_REFERENCE, 'tokenizer.json'), 'utf8')) as Case[];
/** The first reference string with fewer (but some) or more tokens than `n`. */
const shorterThan = (n: number) => CASES.find((c) => c.ids.length > 0 && c.ids.length < n)!;
const longerThan = (n: number) => CASES.find((c) => c.ids.length > n)!;

test('encodeBpe gives the HF GPT-2 ids for every reference string', () => {
  assert.ok(CASES.length > 0, 'tokenizer.json holds cases');
  for (const c of CASES) assert.deepEqual(encodeBpe(c.text), c.ids, JSON.stringify(c.text.slice(0, 40)));
});

test('special-token text is encoded as plain text, not as eos', () => {
  const ids = encodeBpe('a<|endoftext|>b');
  assert.ok(!ids.includes(GPT2_EOS_ID));
  assert.ok(ids.length > 3);
});

test('encodeBpeRows skips rows that give no token and keeps whitespace-only rows', () => {
  const space = CASES.find((c) => c.text !== '' && c.text.trim() === '')!;
  const { rows, skipped } = encodeBpeRows(['', CASES[0].text, '', space.text]);
  assert.equal(skipped, 2);
  assert.deepEqual(rows, [CASES[0].ids, space.ids]);
});

test('packBlocks concatenates rows, cuts whole blocks and drops the remainder', () => {
  const rows = CASES.slice(0, 3).map((c) => c.ids);
  const all = rows.flat();
  const blockSize = [16, 15, 17].find((size) => all.length % size > 0)!;
  const packed = packBlocks(rows, blockSize);
  const blocks = Math.floor(all.length / blockSize);
  assert.equal(packed.blocks, blocks);
  assert.equal(packed.total, all.length);
  assert.equal(packed.dropped, all.length % blockSize);
  assert.ok(packed.dropped > 0, 'the case should have a remainder to drop');
  assert.deepEqual(Array.from(packed.ids), all.slice(0, blocks * blockSize));
  // Too few tokens for one block: nothing.
  const none = packBlocks([CASES[0].ids], CASES[0].ids.length + 1);
  assert.equal(none.blocks, 0);
  assert.equal(none.ids.length, 0);
});

test('padBpeRows truncates, pads with eos and ignores padded labels', () => {
  const maxLength = 12;
  const short = shorterThan(maxLength).ids;
  const long = longerThan(maxLength).ids;
  const { ids, labels, lengths, truncated } = padBpeRows([short, long], maxLength, GPT2_EOS_ID);
  assert.deepEqual(Array.from(lengths), [short.length, maxLength]);
  assert.equal(truncated, 1);
  const row = (a: Int32Array, r: number) => Array.from(a.subarray(r * maxLength, (r + 1) * maxLength));
  const padCount = maxLength - short.length;
  assert.deepEqual(row(ids, 0), [...short, ...Array(padCount).fill(GPT2_EOS_ID)]);
  assert.deepEqual(row(labels, 0), [...short, ...Array(padCount).fill(IGNORE_INDEX)]);
  assert.deepEqual(row(ids, 1), long.slice(0, maxLength));
  assert.deepEqual(row(labels, 1), long.slice(0, maxLength));
});
