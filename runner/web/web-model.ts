// The files of a `tfpipe export --web` folder, shared by the exporter (Node) and the page (browser); no file access.
//   index.html        the page (index-html.ts)
//   page.js           the bundled page script (page/main.ts and the project's tokenizer and model modules)
//   model.json        {format: 'tfpipe-web/1', kind, weights: WeightsManifest, ...} (WebModel below)
//   weights.bin       every parameter's float32 values, little-endian, one after another in the manifest's order
//   model-card.json   the pipeline, stage, run, training metrics and dates (ModelCard)
//   tokenizer.json, vocab.json   classifier only: the word tokenizer (stages/artifacts/word-tokenizer-rules.ts)
//   tfjs-backend-wasm*.wasm      the WASM backend's binaries (non-threaded: threads need cross-origin isolation)
// GPT-2's BPE (gpt-tokenizer's r50k_base data) is inside page.js.
import type { LstmConfig } from '../../models/lstm/config.ts';
import type { Gpt2Config } from '../../models/gpt2/config.ts';
import type { NamedArray } from '../../models/io/named-array.ts';

export const WEB_FORMAT = 'tfpipe-web/1';
export const WEB_FILES = {
  page: 'index.html',
  script: 'page.js',
  model: 'model.json',
  weights: 'weights.bin',
  card: 'model-card.json',
  tokenizer: 'tokenizer.json',
  vocab: 'vocab.json',
} as const;

export interface WeightsEntry {
  name: string;
  shape: number[];
  /** Byte offset in weights.bin (a multiple of 4). */
  offset: number;
}

export interface WeightsManifest {
  file: string;
  dtype: 'float32';
  bytes: number;
  /** Hex sha256 of weights.bin, checked by the page before the weights are used. */
  sha256: string;
  tensors: WeightsEntry[];
}

export type WebModel =
  | { format: typeof WEB_FORMAT; kind: 'classifier'; lstm: LstmConfig; label_names: string[]; weights: WeightsManifest }
  | {
      format: typeof WEB_FORMAT;
      kind: 'language-model';
      gpt2: Gpt2Config;
      /** The page's starting max new tokens: `tfpipe predict`'s default. */
      max_new_tokens: number;
      weights: WeightsManifest;
    };

export interface ModelCard {
  pipeline: string;
  stage: string;
  model_type: string;
  /** The `tfpipe run` that made the model (null when no run record names it, e.g. a pulled cache entry). */
  run: string | null;
  fingerprint: string;
  metrics: Record<string, unknown>;
  trained: string;
  exported: string;
  tfpipe: string;
}

/** Sizes of the parameters in the manifest's order: element counts. */
function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The parameters as named arrays (views on `buffer`), every entry checked against the buffer's length. */
export function namedArraysFromWeights(manifest: WeightsManifest, buffer: ArrayBuffer): Map<string, NamedArray> {
  if (buffer.byteLength !== manifest.bytes)
    throw new Error(`${manifest.file}: ${buffer.byteLength} bytes, the manifest says ${manifest.bytes}`);
  const out = new Map<string, NamedArray>();
  for (const entry of manifest.tensors) {
    const n = elements(entry.shape);
    if (entry.offset % 4 !== 0 || entry.offset + n * 4 > buffer.byteLength)
      throw new Error(`${manifest.file}: ${entry.name} [${entry.shape}] at byte ${entry.offset} is outside the file`);
    out.set(entry.name, { shape: entry.shape, data: new Float32Array(buffer, entry.offset, n) });
  }
  return out;
}

/** Lays out named float32 arrays one after another: the manifest entries and the file's bytes. */
export function packWeights(arrays: readonly (readonly [string, NamedArray])[]): {
  tensors: WeightsEntry[];
  bytes: Uint8Array;
} {
  const tensors: WeightsEntry[] = [];
  let offset = 0;
  for (const [name, array] of arrays) {
    tensors.push({ name, shape: [...array.shape], offset });
    offset += elements(array.shape) * 4;
  }
  const bytes = new Uint8Array(offset);
  for (const [i, [, array]] of arrays.entries()) {
    const data = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), tensors[i].offset);
  }
  return { tensors, bytes };
}
