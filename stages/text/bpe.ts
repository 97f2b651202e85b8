// GPT-2 byte-level BPE (r50k_base, the `gpt2` tokenizer's vocab and merges) and the two ways of laying out rows:
//   pack: HF run_clm's group_texts — each row tokenised on its own, all rows concatenated, cut into blocks of
//         block_size; the remainder that does not fill a block is dropped; labels = inputs (the model shifts them).
//   pad:  one row per text, truncated to max_length and padded with eos (50256, GPT-2 has no pad token);
//         labels = inputs at real positions and IGNORE_INDEX (-100) at padded ones (the LM collator's rule; a
//         training stage may train on the pads instead: stages/lm/lm-batches.ts). An empty text may be kept as a
//         row of padding only (length 0).
// Text such as "<|endoftext|>" is encoded as plain text: no special tokens are parsed, as HF with GPT-2's files.
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { IGNORE_INDEX } from '../../models/gpt2/batch.ts';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_EOS_ID = 50256;

const PLAIN_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

export function encodeBpe(text: string): number[] {
  return encode(text, PLAIN_TEXT);
}

/** Every text's ids; texts that give no token (the empty string) are skipped and counted, or kept as [] (keepEmpty). */
export function encodeBpeRows(
  texts: readonly string[],
  onRow?: (row: number) => void,
  options: { keepEmpty?: boolean } = {},
): { rows: number[][]; skipped: number } {
  const rows: number[][] = [];
  let skipped = 0;
  texts.forEach((text, row) => {
    const ids = text === '' ? [] : encodeBpe(text);
    if (ids.length === 0 && !options.keepEmpty) skipped++;
    else rows.push(ids);
    onRow?.(row);
  });
  return { rows, skipped };
}

export interface PackedBlocks {
  /** blocks × blockSize. */
  ids: Int32Array;
  blocks: number;
  /** Tokens over all rows, before the cut. */
  total: number;
  /** Tokens past the last whole block, dropped. */
  dropped: number;
}

export function packBlocks(rows: readonly (readonly number[])[], blockSize: number): PackedBlocks {
  const total = rows.reduce((sum, r) => sum + r.length, 0);
  const blocks = Math.floor(total / blockSize);
  const kept = blocks * blockSize;
  const ids = new Int32Array(kept);
  let at = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length && at < kept; i++) ids[at++] = row[i];
    if (at === kept) break;
  }
  return { ids, blocks, total, dropped: total - kept };
}

export interface PaddedBpeRows {
  /** rows × maxLength, padded with padId. */
  ids: Int32Array;
  /** rows × maxLength: ids where real, IGNORE_INDEX where padded. */
  labels: Int32Array;
  lengths: Int32Array;
  truncated: number;
}

export function padBpeRows(rows: readonly (readonly number[])[], maxLength: number, padId: number): PaddedBpeRows {
  const ids = new Int32Array(rows.length * maxLength).fill(padId);
  const labels = new Int32Array(rows.length * maxLength).fill(IGNORE_INDEX);
  const lengths = new Int32Array(rows.length);
  let truncated = 0;
  rows.forEach((row, r) => {
    const length = Math.min(row.length, maxLength);
    if (row.length > maxLength) truncated++;
    const base = r * maxLength;
    for (let i = 0; i < length; i++) ids[base + i] = labels[base + i] = row[i];
    lengths[r] = length;
  });
  return { ids, labels, lengths, truncated };
}
