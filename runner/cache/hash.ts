// Streaming sha256 of files. Two 4 MiB buffers alternate so the next read (libuv thread pool) overlaps the
// hashing of the current chunk (main thread, SHA-NI where the CPU has it): the cost is that of the slower of the
// two, not their sum, and memory stays at 8 MiB whatever the file size.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 4 << 20;

export interface FileDigest {
  /** Lower-case hex. */
  sha256: string;
  size: number;
}

/** sha256 (hex) of the file's bytes. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  return (await digestFile(path, { signal })).sha256;
}

/**
 * sha256 and size of a file. With `fsync`, the file is also flushed to disk before returning (used when an
 * entry is being committed, so the hash and the durable bytes are read in one pass over an open handle).
 */
export async function digestFile(
  path: string,
  options: { signal?: AbortSignal; fsync?: boolean } = {},
): Promise<FileDigest> {
  const handle = await open(path, options.fsync ? 'r+' : 'r');
  try {
    const digest = await digestHandle(handle, options.signal);
    if (options.fsync) await handle.sync();
    return digest;
  } finally {
    await handle.close();
  }
}

async function digestHandle(handle: FileHandle, signal: AbortSignal | undefined): Promise<FileDigest> {
  const hash = createHash('sha256');
  const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let current = 0;
  let position = 0;
  let pending = handle.read(buffers[current], 0, CHUNK_BYTES, position);
  for (;;) {
    const { bytesRead } = await pending;
    if (bytesRead === 0) break;
    signal?.throwIfAborted();
    const filled = buffers[current].subarray(0, bytesRead);
    position += bytesRead;
    current ^= 1;
    pending = handle.read(buffers[current], 0, CHUNK_BYTES, position);
    hash.update(filled);
  }
  return { sha256: hash.digest('hex'), size: position };
}
