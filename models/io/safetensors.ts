// Reading safetensors files (https://huggingface.co/docs/safetensors) by offset: openSafetensors reads the 8-byte
// length and the header, checks them (safetensors-header.ts), and reads a tensor's bytes only when asked, with
// positioned reads — never the whole file — so a file over 2 GiB loads and an unused tensor costs nothing.
// Decoded dtypes: F32, F16, BF16 (widened to f32), I32, I64 (narrowed to i32); the others the format knows are
// accepted in the header and refused, by name, only if read.
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { NotRegularFileError, openRegularFile } from '../../lib/fs/regular-file.ts';
import type { NamedArray } from './named-array.ts';
import { parseHeader, readHeaderLength, type TensorEntry } from './safetensors-header.ts';

export { serializeSafetensors, writeSafetensors } from './safetensors-write.ts';
export type { TensorEntry } from './safetensors-header.ts';
export type { NamedArray } from './named-array.ts';

export interface SafetensorsFile {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

/** An open safetensors file: the checked header, and its tensors read one by one on demand. */
export interface SafetensorsReader {
  readonly path: string;
  /** By name, in file order. */
  readonly entries: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Bytes read from the file so far (length, header and tensor data). */
  readonly bytesRead: number;
  read(name: string): Promise<NamedArray>;
  close(): Promise<void>;
}

/** The largest single read: fs reads take at most 2^31 − 1 bytes. */
const READ_CHUNK = 1 << 30;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Opens `path` and checks its header; reads no tensor data. The caller closes it. */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  const handle = await openWeightFile(path);
  try {
    const size = (await handle.stat()).size;
    let bytesRead = 0;
    const readAt = async (into: Uint8Array, position: number, what: string) => {
      for (let done = 0; done < into.byteLength;) {
        const length = Math.min(READ_CHUNK, into.byteLength - done);
        const { bytesRead: n } = await handle.read(into, done, length, position + done);
        if (n === 0)
          throw new Error(`${path}: ${what}: the file ended at byte ${position + done} (it shrank while being read?)`);
        done += n;
        bytesRead += n;
      }
    };
    const first8 = new Uint8Array(8);
    if (size >= 8) await readAt(first8, 0, 'header length');
    const headerLength = readHeaderLength(first8, size, path);
    const headerBytes = new Uint8Array(headerLength);
    await readAt(headerBytes, 8, 'header');
    const { entries, metadata } = parseHeader(headerBytes, size, path);
    let closed = false;
    return {
      path,
      entries,
      metadata,
      get bytesRead() {
        return bytesRead;
      },
      async read(name) {
        const entry = entries.get(name);
        if (!entry) throw new Error(`${path}: no tensor ${name}`);
        if (closed) throw new Error(`${path}: tensor ${name}: read after close`);
        const decoder = DECODERS[entry.dtype];
        if (!decoder)
          throw new Error(
            `${path}: tensor ${name}: dtype ${entry.dtype} is not supported (tfpipe reads ${Object.keys(DECODERS).join(', ')})`,
          );
        const count = entry.shape.reduce((a, b) => a * b, 1);
        // F32 and I32 on a little-endian host: read straight into the result, no second copy.
        if (LITTLE_ENDIAN_HOST && (entry.dtype === 'F32' || entry.dtype === 'I32')) {
          const out = entry.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
          await readAt(new Uint8Array(out.buffer), entry.begin, `tensor ${name}`);
          return { shape: [...entry.shape], data: out };
        }
        const bytes = new Uint8Array(entry.end - entry.begin);
        await readAt(bytes, entry.begin, `tensor ${name}`);
        return { shape: [...entry.shape], data: decoder(bytes, count) };
      },
      async close() {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Every tensor of the file (for small files: adapters, LSTM weights, tests). */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const reader = await openSafetensors(path);
  try {
    const tensors = new Map<string, NamedArray>();
    for (const name of reader.entries.keys()) tensors.set(name, await reader.read(name));
    return { tensors, metadata: { ...reader.metadata } };
  } finally {
    await reader.close();
  }
}

/** The same checks and decoding on a file already in memory (training checkpoints). */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const { entries, metadata } = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength, source);
  const tensors = new Map<string, NamedArray>();
  for (const entry of entries.values()) {
    const decoder = DECODERS[entry.dtype];
    if (!decoder)
      throw new Error(
        `${source}: tensor ${entry.name}: dtype ${entry.dtype} is not supported (tfpipe reads ${Object.keys(DECODERS).join(', ')})`,
      );
    const count = entry.shape.reduce((a, b) => a * b, 1);
    tensors.set(entry.name, { shape: [...entry.shape], data: decoder(bytes.subarray(entry.begin, entry.end), count) });
  }
  return { tensors, metadata };
}

/** lib/fs's openRegularFile, its refusal worded for a weight file. */
async function openWeightFile(path: string): Promise<FileHandle> {
  try {
    return await openRegularFile(path);
  } catch (error) {
    if (error instanceof NotRegularFileError)
      throw new Error(`${path}: not a regular file (${error.found}); tfpipe reads model weights from regular files`);
    throw error;
  }
}

type Decoder = (chunk: Uint8Array, count: number) => Float32Array | Int32Array;

/** Little-endian bytes → values; `chunk` holds exactly count × size bytes (the header check saw to it). */
const DECODERS: Record<string, Decoder> = {
  F32: (chunk, count) => {
    const view = viewOf(chunk);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  },
  F16: (chunk, count) => {
    const view = viewOf(chunk);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    return out;
  },
  BF16: (chunk, count) => {
    const view = viewOf(chunk);
    const out = new Float32Array(count);
    const word = new Uint32Array(1);
    const asFloat = new Float32Array(word.buffer);
    for (let i = 0; i < count; i++) {
      word[0] = view.getUint16(i * 2, true) << 16;
      out[i] = asFloat[0];
    }
    return out;
  },
  I32: (chunk, count) => {
    const view = viewOf(chunk);
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  },
  I64: (chunk, count) => {
    const view = viewOf(chunk);
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
    return out;
  },
};

function viewOf(chunk: Uint8Array): DataView {
  return new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
