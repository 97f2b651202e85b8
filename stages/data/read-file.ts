// Reading a local data file as a stream of decoded bytes: gzip is detected by its magic bytes (1f 8b), not the
// name, and undone on the fly; the raw bytes are hashed (sha256) and counted for progress on the way through.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { statRegularFile } from '../../lib/fs/regular-file.ts';

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called once with the file's size in bytes, before reading. */
  onStart?: (size: number) => void;
  /** Called with the raw (compressed) bytes read so far, out of `size`. */
  onBytes?: (done: number, size: number) => void;
}

export interface ReadOutcome<T> {
  result: T;
  /** sha256 of the file's bytes as stored (before gunzip), hex. */
  sha256: string;
  size: number;
}

/** Streams `path` (gunzipped when it is gzip) into `consume`; resolves when both have finished. */
export async function readDecoded<T>(
  path: string,
  consume: (chunks: AsyncIterable<Buffer>) => Promise<T>,
  options: ReadOptions = {},
): Promise<ReadOutcome<T>> {
  // Only a regular file (or a link to one): a FIFO would block the open, /dev/zero would never end.
  const { size } = await statRegularFile(path);
  const gzip = await isGzip(path);
  options.onStart?.(size);
  const hash = createHash('sha256');
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      options.onBytes?.(done, size);
      callback(null, chunk);
    },
  });
  let result: T | undefined;
  const sink = async (chunks: AsyncIterable<Buffer>) => {
    result = await consume(chunks);
  };
  const signal = options.signal;
  signal?.throwIfAborted();
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    if (gzip) await pipeline(source, tap, createGunzip({ chunkSize: 1 << 20 }), sink, { signal });
    else await pipeline(source, tap, sink, { signal });
  } catch (error) {
    // pipeline wraps the abort reason in an AbortError; the caller wants the reason itself.
    if (signal?.aborted) throw signal.reason;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR')
      throw new Error(`${path}: the gzip data ends early; the file is truncated (${(error as Error).message})`);
    if (code?.startsWith('Z_')) throw new Error(`${path}: corrupt gzip data (${(error as Error).message})`);
    throw error;
  }
  return { result: result as T, sha256: hash.digest('hex'), size };
}

/** The whole decoded file as a Buffer (text and JSONL files are read whole; CSV is streamed). */
export async function readDecodedBuffer(path: string, options: ReadOptions = {}): Promise<ReadOutcome<Buffer>> {
  return readDecoded(
    path,
    async (chunks) => {
      const parts: Buffer[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      return Buffer.concat(parts);
    },
    options,
  );
}

export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A path for messages: relative to `baseDir` when inside it, else as is. */
export function displayPath(path: string, baseDir: string): string {
  const prefix = baseDir.endsWith('/') ? baseDir : baseDir + '/';
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
