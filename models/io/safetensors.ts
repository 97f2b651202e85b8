// safetensors files (https://huggingface.co/docs/safetensors): 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the raw little-endian tensor bytes. We read F32, F16, BF16 (widened to f32), I64/I32 (to i32).
import { readFile, writeFile } from 'node:fs/promises';

export interface NamedArray {
  shape: number[];
  data: Float32Array | Int32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(path), path);
}

export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (bytes.byteLength < 8) throw new Error(`${source}: too short to be a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) throw new Error(`${source}: header length ${headerLength} exceeds the file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, HeaderEntry | Record<string, string>>;
  const base = 8 + headerLength;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as HeaderEntry;
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const chunk = bytes.subarray(base + begin, base + end);
    tensors.set(name, { shape: entry.shape, data: decode(entry.dtype, chunk, count, `${source}: ${name}`) });
  }
  return { tensors, metadata };
}

function decode(dtype: string, chunk: Uint8Array, count: number, where: string): Float32Array | Int32Array {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const expect = (bytesPer: number) => {
    if (chunk.byteLength !== count * bytesPer) throw new Error(`${where}: ${chunk.byteLength} bytes for ${count} ${dtype} values`);
  };
  switch (dtype) {
    case 'F32': {
      expect(4);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      expect(2);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      expect(2);
      const out = new Float32Array(count);
      const word = new Uint32Array(1);
      const asFloat = new Float32Array(word.buffer);
      for (let i = 0; i < count; i++) {
        word[0] = view.getUint16(i * 2, true) << 16;
        out[i] = asFloat[0];
      }
      return out;
    }
    case 'I32': {
      expect(4);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      expect(8);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return out;
    }
    default:
      throw new Error(`${where}: unsupported dtype ${dtype} (tfpipe reads F32, F16, BF16, I32, I64)`);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Serialises tensors (F32 or I32) in name order, as the Python library does, with optional string metadata. */
export function serializeSafetensors(tensors: Record<string, NamedArray>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`safetensors: ${name} has shape [${shape}] but ${data.length} values`);
    header[name] = { dtype: data instanceof Int32Array ? 'I32' : 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - ((8 + headerText.length) % 8)) % 8); // align the data to 8 bytes, as the reference writer does
  const headerBytes = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const name of names) {
    const { data } = tensors[name];
    const little = new Uint8Array(data.byteLength);
    const view = new DataView(little.buffer);
    for (let i = 0; i < data.length; i++) {
      if (data instanceof Int32Array) view.setInt32(i * 4, data[i], true);
      else view.setFloat32(i * 4, data[i], true);
    }
    out.set(little, at);
    at += data.byteLength;
  }
  return out;
}

export async function writeSafetensors(path: string, tensors: Record<string, NamedArray>, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, serializeSafetensors(tensors, metadata));
}
