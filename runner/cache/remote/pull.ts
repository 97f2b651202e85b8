// Pull: one entry from a remote cache into the local one, used only once every byte is checked.
//   1. <fp>/manifest.json: absent → a miss (nothing pushed, or a push that never finished)
//   2. the manifest must describe this fingerprint, and name only safe relative paths with sha256 digests
//   3. the files' blobs are streamed (4 at once) into a temp folder of the local cache, never more bytes than the
//      manifest says
//   4. CacheStore.adopt() re-hashes the whole folder against the manifest and commits it by one rename
// Anything wrong with the remote objects (a flipped byte, a missing or short blob, a foreign manifest) makes the
// entry 'unusable' with one sentence naming the stage and the file; nothing of it is kept, and the caller
// recomputes. Failures to reach the remote at all are RemoteErrors (thrown).
import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import type { Fingerprint } from '../../../stages/stage.ts';
import type { CacheStore, CacheEntry, Manifest } from '../store.ts';
import { parseManifest } from '../manifest.ts';
import { fingerprintOf } from '../fingerprint.ts';
import { confinedPath } from '../../../lib/fs/confine.ts';
import { mapLimit } from '../../../lib/fs/atomic.ts';
import { blobKey, isSha256, manifestKey, unsafeFileName } from './layout.ts';
import type { ObjectStore } from './object-store.ts';

export type PullResult =
  /** bytes: the out/ files downloaded. */
  | { status: 'pulled'; entry: CacheEntry; bytes: number }
  /** Already in the local cache (verified); nothing downloaded. */
  | { status: 'local'; entry: CacheEntry }
  | { status: 'miss' }
  | { status: 'unusable'; reason: string };

/** Downloads in flight at once. */
const PULL_CONCURRENCY = 4;

/** A manifest larger than this is not one of ours. */
const MAX_MANIFEST_BYTES = 16 << 20;

/** A remote object that does not match its manifest; turned into an 'unusable' result. */
class Mismatch extends Error {}

export async function pullEntry(
  remote: ObjectStore,
  cache: CacheStore,
  fp: Fingerprint,
  stage: string,
  signal?: AbortSignal,
): Promise<PullResult> {
  const where = `remote entry ${fp.slice(0, 12)} (stage ${stage})`;
  const manifestBody = await remote.get(manifestKey(fp), signal);
  if (manifestBody === undefined) return { status: 'miss' };
  let manifest: Manifest;
  try {
    manifest = checkManifest(await readSmall(manifestBody, MAX_MANIFEST_BYTES), fp);
  } catch (error) {
    if (error instanceof Mismatch) return { status: 'unusable', reason: `${where}: ${error.message}` };
    throw error;
  }

  let bytes = 0;
  const fill = async (tempDir: string, fillSignal: AbortSignal) => {
    const outDir = join(tempDir, 'out');
    // The first failure stops the other downloads, and all of them end before fill() does: nothing writes into
    // the temp folder once adopt() removes it.
    const stop = new AbortController();
    const onAbort = () => stop.abort(fillSignal.reason);
    fillSignal.addEventListener('abort', onAbort, { once: true });
    let failure: { error: unknown } | undefined;
    await mapLimit(Object.entries(manifest.files), PULL_CONCURRENCY, async ([name, digest]) => {
      if (failure) return;
      try {
        const body = await remote.get(blobKey(fp, digest.sha256), stop.signal);
        if (body === undefined) throw new Mismatch(`out/${name} is missing on the remote`);
        const path = confinedPath(outDir, ...name.split('/'));
        await mkdir(dirname(path), { recursive: true });
        const written = await writeCapped(path, body, digest.size, stop.signal);
        if (written !== digest.size) throw new Mismatch(`out/${name} does not match its manifest (size ${written})`);
        bytes += written;
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    });
    fillSignal.removeEventListener('abort', onAbort);
    if (failure) throw failure.error;
    const handle = await open(join(tempDir, 'manifest.json'), 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  let adopted;
  try {
    adopted = await cache.adopt(fp, fill, { signal });
  } catch (error) {
    if (error instanceof Mismatch) return { status: 'unusable', reason: `${where}: ${error.message}` };
    throw error;
  }
  switch (adopted.status) {
    case 'adopted':
      return { status: 'pulled', entry: adopted.entry, bytes };
    case 'reused':
      return { status: 'local', entry: adopted.entry };
    case 'corrupt': {
      const file = adopted.file === undefined ? 'the entry' : `out/${adopted.file}`;
      return { status: 'unusable', reason: `${where}: ${file} does not match its manifest (${adopted.code})` };
    }
    default: {
      const never: never = adopted;
      return never;
    }
  }
}

/** The manifest, checked before anything else is downloaded: this fingerprint, safe names, real digests. */
function checkManifest(text: string, fp: Fingerprint): Manifest {
  const read = parseManifest(text);
  if (read.status === 'invalid') throw new Mismatch(`manifest.json is not a cache manifest (${read.message})`);
  if (read.status === 'missing') throw new Mismatch('manifest.json is empty');
  const manifest = read.manifest;
  if (manifest.fingerprint !== fp || fingerprintOf(manifest.tree) !== fp)
    throw new Mismatch('manifest.json describes another fingerprint');
  for (const [name, digest] of Object.entries(manifest.files)) {
    const unsafe = unsafeFileName(name);
    if (unsafe !== undefined) throw new Mismatch(`manifest.json names ${JSON.stringify(name)}, ${unsafe}`);
    if (!isSha256(digest.sha256) || !Number.isSafeInteger(digest.size) || digest.size < 0)
      throw new Mismatch(`manifest.json has a malformed digest for out/${name}`);
  }
  return manifest;
}

async function readSmall(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new Mismatch(`manifest.json is over ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Streams `body` into a new file, stopping once it exceeds `size` bytes (a blob larger than its manifest says is
 * wrong whatever follows); the file is then fsynced. Returns the bytes received (size + 1 when it was too long).
 */
async function writeCapped(
  path: string,
  body: AsyncIterable<Uint8Array>,
  size: number,
  signal: AbortSignal,
): Promise<number> {
  let received = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > size ? new TooLong() : null, chunk);
    },
  });
  try {
    await pipeline(body, cap, createWriteStream(path, { flags: 'wx' }), { signal });
  } catch (error) {
    if (error instanceof TooLong) return size + 1;
    throw error;
  }
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return received;
}

class TooLong extends Error {}
