// The safetensors header, checked by the format's rules before a byte of tensor data is trusted
// (https://huggingface.co/docs/safetensors, and the reference reader's `Metadata::validate`):
//   bytes [0, 8)       N, the header length, u64 little-endian; N ≤ 100,000,000 (the reference's MAX_HEADER_SIZE)
//   bytes [8, 8 + N)   UTF-8 JSON object {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
//                      starting with `{`, possibly padded with spaces
//   bytes [8 + N, …)   the data buffer; offsets are relative to its start
// Every tensor's offsets are two integers 0 ≤ begin ≤ end; sorted by begin, the first starts at 0 and each starts
// where the previous ended (no gap, no overlap); end − begin = dtype size × product(shape). The data buffer ends
// exactly at the last `end`: as the reference does, a file with bytes after it is refused
// (MetadataIncompleteBuffer), which also stops a 2 GB file that describes 2 MB of tensors from being trusted.
import { parseJsonText } from './json-file.ts';

/** Bytes per element of every dtype the reference knows; tfpipe decodes some of them (safetensors.ts). */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The reference's MAX_HEADER_SIZE: a larger header is refused before it is read. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute file offsets of the tensor's bytes: [begin, end). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** By name, in file order (sorted by offset). */
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

/** The header length from the file's first 8 bytes, checked against the bound and the file size. */
export function readHeaderLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || first8.byteLength < 8)
    throw new Error(
      `${source}: ${fileSize} bytes, too short to be a safetensors file (8-byte header length, then a JSON header)`,
    );
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES))
    throw new Error(
      `${source}: header length ${length} is over the format's limit of ${MAX_HEADER_BYTES} bytes; not a safetensors file, or a damaged one`,
    );
  const n = Number(length);
  if (8 + n > fileSize)
    throw new Error(
      `${source}: header length ${n} runs past the end of the ${fileSize}-byte file; the file is truncated or not safetensors`,
    );
  if (n < 2) throw new Error(`${source}: header length ${n} cannot hold a JSON object`);
  return n;
}

/**
 * Parses and checks the JSON header (`headerBytes`, N bytes) of a file of `fileSize` bytes. Throws, naming the
 * file and the tensor, on anything the format forbids; offsets come back absolute.
 */
export function parseHeader(headerBytes: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new Error(`${source}: the header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) throw new Error(`${source}: the header does not start with '{' (not a safetensors file)`);
  const raw = parseJsonText(text, `${source} (header)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${source}: the header is not a JSON object`);
  const dataStart = 8 + headerBytes.byteLength;
  let metadata: Record<string, string> = {};
  const found: TensorEntry[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value, source);
      continue;
    }
    found.push(checkEntry(name, value, dataStart, source));
  }
  // Contiguity in offset order; ties (zero-size tensors) keep the header's order, as a stable sort does.
  const sorted = found
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].begin - b[0].begin || a[1] - b[1])
    .map(([e]) => e);
  let expected = dataStart;
  for (const entry of sorted) {
    if (entry.begin !== expected) {
      const what = entry.begin < expected ? 'overlaps the tensor before it' : 'leaves a gap after the tensor before it';
      throw new Error(
        `${source}: tensor ${entry.name}: data_offsets [${entry.begin - dataStart}, ${entry.end - dataStart}] ${what} (expected it to start at ${expected - dataStart}); safetensors data must be contiguous`,
      );
    }
    expected = entry.end;
  }
  if (expected > fileSize) {
    const last = sorted[sorted.length - 1];
    throw new Error(
      `${source}: tensor ${last.name}: data ends at byte ${expected}, past the end of the ${fileSize}-byte file; the file is truncated`,
    );
  }
  if (expected < fileSize) {
    throw new Error(
      `${source}: ${fileSize - expected} bytes follow the last tensor's data (the header describes ${expected - dataStart} bytes of data, the file holds ${fileSize - dataStart}); the reference reader refuses such a file, and so does tfpipe`,
    );
  }
  return { entries: new Map(sorted.map((e) => [e.name, e])), metadata };
}

function checkEntry(name: string, value: unknown, dataStart: number, source: string): TensorEntry {
  const where = `${source}: tensor ${name}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where}: expected {dtype, shape, data_offsets}, found ${short(value)}`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new Error(`${where}: dtype must be a string, found ${short(dtype)}`);
  const size = Object.hasOwn(DTYPE_SIZES, dtype) ? DTYPE_SIZES[dtype] : undefined;
  if (size === undefined)
    throw new Error(`${where}: unknown dtype '${dtype}' (safetensors dtypes: ${Object.keys(DTYPE_SIZES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    throw new Error(`${where}: shape must be a list of non-negative integers, found ${short(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new Error(`${where}: data_offsets must be two non-negative integers [begin, end], found ${short(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new Error(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytes = elements * size;
  if (!Number.isSafeInteger(bytes) || end - begin !== bytes) {
    throw new Error(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${Number.isSafeInteger(bytes) ? bytes : 'more than 2^53'} (${size} × ${elements})`,
    );
  }
  return { name, dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
}

function checkMetadata(value: unknown, source: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${source}: __metadata__ must be an object of strings, found ${short(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${source}: __metadata__.${key} must be a string, found ${short(v)}`);
  }
  return value as Record<string, string>;
}

/** A JSON number that is an exact non-negative integer (no fraction, no exponent beyond 2^53). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
