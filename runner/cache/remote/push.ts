// Push: one verified local entry to a remote cache, write-once.
//   1. <fp>/manifest.json already there → nothing to do (entries are never overwritten)
//   2. every distinct file content → <fp>/blobs/<sha256>, hashed again while it streams: a file that changed since
//      it was verified stops the push before its manifest
//   3. <fp>/manifest.json last: the entry exists for readers only from this moment
// A push killed at any point leaves at most blobs without a manifest, which a pull treats as a miss. Two pushes
// of one fingerprint at once write blobs whose names are their contents, so whichever manifest lands last is whole.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { CacheEntry } from '../store.ts';
import { mapLimit } from '../../../lib/fs/atomic.ts';
import { blobKey, manifestKey } from './layout.ts';
import type { ObjectStore } from './object-store.ts';

export type PushResult =
  /** bytes: the blobs uploaded (each distinct content once). */
  | { status: 'pushed'; bytes: number; blobs: number }
  /** The remote had the entry already. */
  | { status: 'present' };

/** Uploads in flight at once. */
const PUSH_CONCURRENCY = 4;

/** `entry` must come from a verified lookup or a fresh write of the local cache. */
export async function pushEntry(remote: ObjectStore, entry: CacheEntry, signal?: AbortSignal): Promise<PushResult> {
  const { fingerprint: fp, manifest } = entry;
  if (await remote.exists(manifestKey(fp), signal)) return { status: 'present' };

  // One file per distinct content: the blob's name is its sha256.
  const byContent = new Map<string, { name: string; size: number }>();
  for (const [name, digest] of Object.entries(manifest.files))
    byContent.set(digest.sha256, { name, size: digest.size });
  await mapLimit([...byContent], PUSH_CONCURRENCY, async ([sha256, { name, size }]) => {
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const file = createReadStream(join(entry.outDir, ...name.split('/')));
    file.on('error', (error) => hashing.destroy(error));
    const body = file.pipe(hashing);
    await remote.put(blobKey(fp, sha256), body, size, signal);
    if (hash.digest('hex') !== sha256)
      throw new Error(`cache entry ${fp.slice(0, 12)}: out/${name} changed while it was pushed; push stopped`);
  });
  const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await remote.put(manifestKey(fp), text, text.length, signal);
  let bytes = 0;
  for (const { size } of byContent.values()) bytes += size;
  return { status: 'pushed', bytes, blobs: byContent.size };
}
