// Writing safetensors files: the header sorted by name as the Python library writes it, the data buffer 8-byte
// aligned, offsets contiguous — exactly what safetensors-header.ts checks on the way back in.
import { writeFile } from 'node:fs/promises';
import type { NamedArray } from './safetensors.ts';

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
