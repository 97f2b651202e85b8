// Resumable, sha256-checked HTTP downloads. Bytes go to `<dest>.part`; an interrupted download (dropped connection,
// abort, crash) keeps them, and the next attempt asks for the rest with `Range: bytes=<have>-`. A server that answers
// 200 instead of 206 sends the whole file again, so the part is restarted. Only a complete file whose sha256 matches
// is renamed to `dest`; a mismatch deletes the part (it cannot be repaired by resuming) and fails.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface DownloadRequest {
  url: string;
  /** Final path; written only once the whole file is here and checked. */
  dest: string;
  /** Expected sha256 (hex); without it the file is accepted as is. */
  sha256?: string;
  signal?: AbortSignal;
  /** Bytes on disk so far (including resumed ones) out of `total` when the server said. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Attempts within this call when the connection drops mid-transfer (each resumes). Default 3. */
  attempts?: number;
}

export interface DownloadOutcome {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already in `<dest>.part` when this call started (0: a fresh download). */
  resumedFrom: number;
  /** False when `dest` was already there and nothing was fetched. */
  fetched: boolean;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

export async function downloadFile(request: DownloadRequest): Promise<DownloadOutcome> {
  const { url, dest, signal } = request;
  const existing = await fileSize(dest);
  if (existing !== null)
    return { path: dest, bytes: existing, sha256: request.sha256 ?? '', resumedFrom: 0, fetched: false };
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const resumedFrom = (await fileSize(part)) ?? 0;
  const attempts = request.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      await fetchInto(url, part, request);
      break;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof DownloadError || attempt >= attempts) {
        if (error instanceof DownloadError) throw error;
        throw new DownloadError(
          `download ${url}: ${describe(error)} (after ${attempt} attempts; ${(await fileSize(part)) ?? 0} bytes kept in ${part}, the next run resumes)`,
        );
      }
    }
  }
  const sha256 = await hashFile(part, signal).catch((error) => {
    throw signal?.aborted ? signal.reason : error;
  });
  if (request.sha256 && sha256 !== request.sha256) {
    await rm(part, { force: true });
    throw new DownloadError(
      `download ${url}: sha256 is ${sha256}, expected ${request.sha256}; the partial file was removed (a mirror serving other bytes, or a corrupt transfer)`,
    );
  }
  await rename(part, dest);
  return { path: dest, bytes: (await fileSize(dest)) ?? 0, sha256, resumedFrom, fetched: true };
}

/** One request: appends to `part` from where it ends (or restarts it when the server ignores Range). */
async function fetchInto(url: string, part: string, request: DownloadRequest): Promise<void> {
  let have = (await fileSize(part)) ?? 0;
  // identity: fetch would undo a Content-Encoding on the fly, and then neither the bytes nor the offsets would be the file's.
  const headers: Record<string, string> = {
    'accept-encoding': 'identity',
    ...(have > 0 ? { range: `bytes=${have}-` } : {}),
  };
  const response = await fetch(url, { headers, signal: request.signal, redirect: 'follow' });
  if (response.status === 416 && have > 0) {
    // Range Not Satisfiable: the part already holds the whole file (the check happens after).
    await response.body?.cancel();
    return;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new DownloadError(`download ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  let total: number | undefined;
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      await response.body?.cancel();
      await rm(part, { force: true });
      throw new Error(`server resumed at an unexpected offset (${response.headers.get('content-range')}); restarting`);
    }
    total = range[2] === '*' ? undefined : Number(range[2]);
  } else {
    have = 0;
    total = Number.isFinite(length) ? length : undefined;
  }
  if (!response.body) throw new DownloadError(`download ${url}: empty response`);
  let done = have;
  request.onProgress?.(done, total);
  // Each chunk is on disk before the next is read, so a cut or an abort loses nothing that arrived.
  const file = await open(part, have > 0 ? 'a' : 'w');
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      await file.write(chunk);
      done += chunk.length;
      request.onProgress?.(done, total);
    }
  } finally {
    await file.close();
  }
  if (total !== undefined && done !== total) throw new Error(`connection closed after ${done} of ${total} bytes`);
}

export async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) hash.update(chunk);
    },
    { signal },
  );
  return hash.digest('hex');
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: Error };
  return e.cause ? `${e.message} (${e.cause.message})` : String(e.message ?? error);
}
