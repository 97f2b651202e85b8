// Writing safetensors files: the header sorted by name as the Python library writes it, the data buffer 8-byte
// aligned, offsets contiguous — exactly what safetensors-header.ts checks on the way back in. writeSafetensors
// streams tensor by tensor, so a file over the 4 GiB a single buffer may hold (a fine-tuned gpt2-xl: 6.2 GB) is
// written without ever being whole in memory.
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { NamedArray } from './named-array.ts';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const WRITE_CHUNK = 1 << 30;

interface Layout {
  names: string[];
  /** The 8-byte length and the padded header. */
  prefix: Uint8Array;
  dataBytes: number;
}

/** Names in order, the header with offsets, the total data size. */
function layout(tensors: Record<string, NamedArray>, metadata?: Record<string, string>): Layout {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`safetensors: ${name} has shape [${shape}] but ${data.length} values`);
    header[name] = {
      dtype: data instanceof Int32Array ? 'I32' : 'F32',
      shape,
      data_offsets: [offset, offset + data.byteLength],
    };
    offset += data.byteLength;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const padded = text.byteLength + ((8 - ((8 + text.byteLength) % 8)) % 8); // align the data to 8 bytes, as the reference writer does
  const prefix = new Uint8Array(8 + padded).fill(0x20, 8 + text.byteLength);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(text, 8);
  return { names, prefix, dataBytes: offset };
}

/** A tensor's values as little-endian bytes (the typed array's own memory on a little-endian host). */
function littleEndianBytes(data: Float32Array | Int32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Int32Array) view.setInt32(i * 4, data[i], true);
    else view.setFloat32(i * 4, data[i], true);
  }
  return out;
}

/** Serialises tensors (F32 or I32) in name order, as the Python library does, with optional string metadata. */
export function serializeSafetensors(
  tensors: Record<string, NamedArray>,
  metadata?: Record<string, string>,
): Uint8Array {
  const { names, prefix, dataBytes } = layout(tensors, metadata);
  const out = new Uint8Array(prefix.byteLength + dataBytes);
  out.set(prefix, 0);
  let at = prefix.byteLength;
  for (const name of names) {
    out.set(littleEndianBytes(tensors[name].data), at);
    at += tensors[name].data.byteLength;
  }
  return out;
}

/** The same bytes as serializeSafetensors, written to `path` one tensor at a time. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, NamedArray>,
  metadata?: Record<string, string>,
): Promise<void> {
  const { names, prefix } = layout(tensors, metadata);
  const handle = await open(path, 'w');
  try {
    await writeAll(handle, prefix);
    for (const name of names) await writeAll(handle, littleEndianBytes(tensors[name].data));
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(WRITE_CHUNK, bytes.byteLength - done));
    done += bytesWritten;
  }
}
