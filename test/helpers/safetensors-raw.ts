// safetensors files written byte by byte, for the tests that must make files the writer never would: a header
// given as an object or as raw text, a declared length that lies, data that is too short or too long, holes.
import { open } from 'node:fs/promises';

export interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** The tensor's bytes; a number: that many bytes left as a hole (never written: sparse on disk). */
  data: Uint8Array | number;
}

/** The little-endian bytes of float32 values. */
export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** Header text for tensors laid out contiguously in the given order, the data 8-byte aligned as the writer does. */
export function headerFor(tensors: RawTensor[], metadata?: Record<string, string>): string {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const length = typeof t.data === 'number' ? t.data : t.data.byteLength;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  const text = JSON.stringify(header);
  return text + ' '.repeat((8 - ((8 + text.length) % 8)) % 8);
}

/**
 * A file of: 8-byte length (`declaredLength`, default the header's true length), the header text, then the tensors'
 * bytes in order (holes skipped), then `trailing` bytes (a number: a hole that long). Written with positioned writes, so holes cost no disk.
 */
export async function writeRawSafetensors(
  path: string,
  header: string,
  tensors: RawTensor[],
  options: { declaredLength?: bigint; trailing?: Uint8Array | number } = {},
): Promise<number> {
  const headerBytes = new TextEncoder().encode(header);
  const first8 = new Uint8Array(8);
  new DataView(first8.buffer).setBigUint64(0, options.declaredLength ?? BigInt(headerBytes.byteLength), true);
  const handle = await open(path, 'w');
  try {
    await handle.write(first8, 0, 8, 0);
    await handle.write(headerBytes, 0, headerBytes.byteLength, 8);
    let at = 8 + headerBytes.byteLength;
    for (const t of tensors) {
      if (typeof t.data === 'number') {
        at += t.data;
        continue;
      }
      if (t.data.byteLength > 0) await handle.write(t.data, 0, t.data.byteLength, at);
      at += t.data.byteLength;
    }
    if (typeof options.trailing === 'number') at += options.trailing;
    else if (options.trailing) {
      await handle.write(options.trailing, 0, options.trailing.byteLength, at);
      at += options.trailing.byteLength;
    }
    await handle.truncate(at); // the end of a trailing hole
    return at;
  } finally {
    await handle.close();
  }
}
