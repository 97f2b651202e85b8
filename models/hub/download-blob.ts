// One blob into the cache: streamed to `blobs/{etag}.incomplete` (huggingface_hub's name, so either tool resumes
// the other's partial download), resumed with `Range: bytes=<have>-`, checked, flushed, renamed to `blobs/{etag}`.
//   - sha256 is checked when the etag is one (64 hex: LFS files); the hash runs over the bytes as they arrive,
//     after first reading back what a previous attempt left. A mismatch deletes the partial file.
//   - a connection dropped mid-file is retried here (resuming) a few times; an abort leaves the partial file for
//     the next run and rethrows the signal's reason.
//   - a server that ignores Range (200 instead of 206) sends everything again: the partial file is restarted.
// Concurrent tfpipe processes take a lock per blob (`.locks/…/{etag}.tfpipe.lock`; not huggingface_hub's flock,
// which Node cannot take) and the second one finds the blob done.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import { acquireLock } from '../../lib/fs/lock.ts';
import { blobPath, isFile, type RepoCache } from './cache-layout.ts';
import { HubError } from './errors.ts';
import { describeNetworkError, failUnlessOk, openDownload, type HubClient } from './http.ts';

const ATTEMPTS = 5;
const RETRY_DELAY_MS = 200;
const SHA256 = /^[0-9a-f]{64}$/;

export interface BlobRequest {
  client: HubClient;
  repo: RepoCache;
  etag: string;
  url: string;
  /** From X-Linked-Size / Content-Length; checked when known. */
  size?: number;
  /** Bytes of this blob on disk so far (resumed bytes included), after every chunk. */
  onBytes?: (done: number) => void;
}

/** Returns true when bytes were fetched, false when the blob was already there (maybe by another process). */
export async function downloadBlob(request: BlobRequest): Promise<boolean> {
  const { repo, etag, client } = request;
  const target = blobPath(repo, etag);
  if (await isFile(target)) return false;
  await Promise.all([mkdir(join(repo.root, 'blobs'), { recursive: true }), mkdir(repo.locks, { recursive: true })]);
  const lock = await acquireLock(join(repo.locks, `${etag}.tfpipe.lock`), { signal: client.signal });
  if (lock.status === 'aborted') throw client.signal?.reason ?? new Error('aborted');
  try {
    if (await isFile(target)) return false;
    const partial = `${target}.incomplete`;
    await fetchToPartial(request, partial);
    await rename(partial, target);
    return true;
  } finally {
    await lock.lock.release();
  }
}

/** What is on disk in the partial file: its size, and its sha256 so far (LFS blobs only). */
interface PartialState {
  have: number;
  hash?: Hash;
}

async function fetchToPartial(request: BlobRequest, partial: string): Promise<void> {
  const { client, etag, url } = request;
  const state: PartialState = { have: 0, hash: SHA256.test(etag) ? createHash('sha256') : undefined };
  state.have = await readBack(partial, state.hash, client.signal);
  for (let attempt = 1; ; attempt++) {
    client.signal?.throwIfAborted();
    try {
      await appendRemainder(request, partial, state);
      break;
    } catch (error) {
      if (client.signal?.aborted) throw client.signal.reason;
      const retryable = error instanceof DroppedError || (error instanceof HubError && error.reason === 'network');
      if (!retryable) throw error;
      if (attempt >= ATTEMPTS) {
        throw new HubError(
          'network',
          `${url}: ${describeNetworkError(error)} (after ${attempt} attempts; ${state.have} bytes kept in ${partial}, the next run resumes)`,
        );
      }
      await new Promise((done) => setTimeout(done, RETRY_DELAY_MS * attempt));
    }
  }
  if (request.size !== undefined && state.have !== request.size) {
    await rm(partial, { force: true });
    throw new HubError(
      'checksum',
      `${url}: got ${state.have} bytes, the Hub announced ${request.size}; the partial file was removed, run again`,
    );
  }
  const digest = state.hash?.digest('hex');
  if (digest !== undefined && digest !== etag) {
    await rm(partial, { force: true });
    throw new HubError(
      'checksum',
      `${url}: sha256 is ${digest}, the Hub announced ${etag}; the partial file was removed (a mirror serving other bytes, or a corrupt transfer)`,
    );
  }
}

/**
 * One GET for the bytes after `state.have`, appended to `partial` and fed to the hash as they arrive.
 * A 200 answer to a Range request (Range ignored) or a 416 (nothing past `have`: the partial file is not a prefix
 * of this blob) restarts from byte 0.
 */
async function appendRemainder(request: BlobRequest, partial: string, state: PartialState): Promise<void> {
  const { client, url, size } = request;
  if (size !== undefined && state.have === size) return;
  let response = await openDownload(client, url, state.have > 0 ? { range: `bytes=${state.have}-` } : {});
  if (state.have > 0 && (response.status === 200 || response.status === 416)) {
    restart(state, request.etag);
    if (response.status === 416) {
      await response.body?.cancel();
      response = await openDownload(client, url, {});
    }
  }
  if (response.status === 206) {
    const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1] ?? NaN);
    if (start !== state.have) {
      await response.body?.cancel();
      throw new HubError(
        'bad-response',
        `${url}: asked for bytes from ${state.have}, the server sent ${response.headers.get('content-range')}`,
      );
    }
  } else if (response.status !== 200) {
    await response.body?.cancel();
    if (response.status === 404) throw new HubError('not-found', `${url}: HTTP 404 while downloading`);
    failUnlessOk(response, url);
  }
  if (!response.body) throw new HubError('bad-response', `${url}: empty body`);
  const reader = response.body.getReader();
  const file = await open(partial, state.have > 0 ? 'a' : 'w');
  try {
    request.onBytes?.(state.have);
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new DroppedError(error);
      }
      if (next.done) break;
      await writeAll(file, next.value);
      state.hash?.update(next.value);
      state.have += next.value.byteLength;
      request.onBytes?.(state.have);
    }
    await file.sync();
  } finally {
    await file.close();
    reader.releaseLock();
  }
}

function restart(state: PartialState, etag: string): void {
  state.have = 0;
  state.hash = SHA256.test(etag) ? createHash('sha256') : undefined;
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) offset += (await file.write(bytes, offset)).bytesWritten;
}

/** The connection broke while the body was arriving: worth resuming. */
class DroppedError extends Error {
  constructor(cause: unknown) {
    super(describeNetworkError(cause), { cause });
  }
}

/** Feeds what a previous attempt left in `partial` into `hash`; returns its size (0 if none). */
async function readBack(partial: string, hash: Hash | undefined, signal?: AbortSignal): Promise<number> {
  const size = await sizeOf(partial);
  if (size === 0 || !hash) return size;
  for await (const chunk of createReadStream(partial, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return size;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
