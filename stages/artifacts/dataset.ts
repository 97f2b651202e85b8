// The `dataset` artifact: rows of text with an optional integer label, stored as
//   meta.json      {format: 'tfpipe-dataset/1', rows, hasLabels, labelNames}
//   text.bin       every row's UTF-8 bytes, concatenated
//   text.u32       rows + 1 byte offsets into text.bin
//   label.i32      one label id per row (only when hasLabels); labelNames[id] is its name
// A `splits` artifact is a folder with train/, valid/ and test/ datasets (a part may be absent when empty).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTyped, writeTyped } from './typed-file.ts';

export interface Dataset {
  texts: string[];
  /** Label id per row, or null for unlabelled text (language modelling). */
  labels: Int32Array | null;
  /** labelNames[id] is the original label (e.g. ['negative', 'positive']); empty without labels. */
  labelNames: string[];
}

interface DatasetMeta {
  format: 'tfpipe-dataset/1';
  rows: number;
  hasLabels: boolean;
  labelNames: string[];
}

export const SPLIT_PARTS = ['train', 'valid', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

export async function writeDataset(dir: string, data: Dataset): Promise<void> {
  await mkdir(dir, { recursive: true });
  const encoder = new TextEncoder();
  const encoded = data.texts.map((t) => encoder.encode(t));
  const offsets = new Uint32Array(encoded.length + 1);
  let total = 0;
  encoded.forEach((bytes, i) => {
    offsets[i] = total;
    total += bytes.byteLength;
  });
  offsets[encoded.length] = total;
  if (total > 0xffffffff) throw new Error(`dataset text is ${total} bytes; the format holds at most 4 GiB`);
  const blob = new Uint8Array(total);
  encoded.forEach((bytes, i) => blob.set(bytes, offsets[i]));
  const meta: DatasetMeta = {
    format: 'tfpipe-dataset/1',
    rows: data.texts.length,
    hasLabels: data.labels !== null,
    labelNames: data.labelNames,
  };
  await writeFile(join(dir, 'text.bin'), blob);
  await writeTyped(join(dir, 'text.u32'), offsets);
  if (data.labels) await writeTyped(join(dir, 'label.i32'), data.labels);
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

export async function readDataset(dir: string): Promise<Dataset> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as DatasetMeta;
  if (meta.format !== 'tfpipe-dataset/1')
    throw new Error(`${dir}: not a tfpipe dataset (format ${String(meta.format)})`);
  const blob = await readFile(join(dir, 'text.bin'));
  const offsets = await readTyped(join(dir, 'text.u32'), Uint32Array);
  const decoder = new TextDecoder();
  const texts = new Array<string>(meta.rows);
  for (let i = 0; i < meta.rows; i++) texts[i] = decoder.decode(blob.subarray(offsets[i], offsets[i + 1]));
  const labels = meta.hasLabels ? await readTyped(join(dir, 'label.i32'), Int32Array) : null;
  return { texts, labels, labelNames: meta.labelNames };
}

/** Rows `indices` of `data`, in that order. */
export function selectRows(data: Dataset, indices: ArrayLike<number>): Dataset {
  const texts = Array.from({ length: indices.length }, (_, i) => data.texts[indices[i]]);
  const labels = data.labels ? Int32Array.from({ length: indices.length }, (_, i) => data.labels![indices[i]]) : null;
  return { texts, labels, labelNames: data.labelNames };
}
