// Typed arrays on disk: raw little-endian bytes, no header; the element type is in the file name's
// extension (.i32, .u32, .f32) and the length follows from the size. Large artifacts are stored this way, not as JSON.
import { readFile, writeFile } from 'node:fs/promises';

export type TypedArray = Int32Array | Uint32Array | Float32Array | Uint8Array;
type TypedCtor<T extends TypedArray> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  BYTES_PER_ELEMENT: number;
};

export async function writeTyped(path: string, array: TypedArray): Promise<void> {
  await writeFile(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

export async function readTyped<T extends TypedArray>(path: string, ctor: TypedCtor<T>): Promise<T> {
  const bytes = await readFile(path);
  if (bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new Error(
      `${path}: ${bytes.byteLength} bytes is not a whole number of ${ctor.BYTES_PER_ELEMENT}-byte elements`,
    );
  }
  // Copy into a fresh, aligned ArrayBuffer: Buffer pooling may give an unaligned offset.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new ctor(copy, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
}
