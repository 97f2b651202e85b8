// The files of a training checkpoint folder, verified as cache entries are (runner/cache/manifest.ts):
//   <dir>/checkpoint.json                      the manifest, the commit point: {format, file, sha256, size}
//   <dir>/checkpoint.<sha256[:16]>.safetensors the data it names
// A save writes the data under a new name (temp + fsync + rename), then the manifest over the old one (temp +
// fsync + rename), then removes the data the old manifest named. A kill at any point leaves a manifest naming a
// whole file: the old checkpoint or the new one. A read checks the named file's size and sha256 before anything of
// it is used; a folder that fails the check (a flipped byte, a truncated or missing file, an unreadable manifest,
// or a checkpoint.safetensors from before manifests) is damaged: setAside() moves it next to itself, kept for a
// look, and training starts over.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs/atomic.ts';
import { fileAger } from '../../lib/fs/fs-clock.ts';
import { DEFAULT_LOCK_TIMING } from '../../lib/fs/lock.ts';
import { HOST_TAG, isOwnerGone, parseOwnedName } from '../../lib/fs/owner.ts';

export const MANIFEST_FILE = 'checkpoint.json';
const MANIFEST_FORMAT = 'tfpipe-checkpoint-manifest/1';
/** The one data file of checkpoints written before manifests: unverifiable, so treated as damaged. */
const UNVERIFIED_FILE = 'checkpoint.safetensors';
const DATA_FILE = /^checkpoint\.[0-9a-f]{16}\.safetensors$/;

interface CheckpointManifest {
  format: typeof MANIFEST_FORMAT;
  file: string;
  sha256: string;
  size: number;
}

/** What a checkpoint folder holds: nothing, verified bytes, or a damaged checkpoint and why. */
export type StoredBytes =
  { status: 'none' } | { status: 'ok'; path: string; bytes: Buffer } | { status: 'damaged'; reason: string };

/** Commits `bytes` as the folder's checkpoint (see the protocol above). */
export async function saveCheckpointBytes(dir: string, bytes: Uint8Array): Promise<void> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = `checkpoint.${sha256.slice(0, 16)}.safetensors`;
  await writeFileAtomic(join(dir, file), bytes);
  const manifest: CheckpointManifest = { format: MANIFEST_FORMAT, file, sha256, size: bytes.byteLength };
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // the previous checkpoint's data, and temp files (lib/fs/owner.ts names) of a save that was killed: another
  // process's save in progress keeps its temp files (two runs whose params differ only in `epochs` share a folder);
  // another host's, on a shared disk, are litter once untouched for the stale threshold of locks (owner.ts)
  const ageOf = fileAger(dir);
  for (const name of await readdir(dir)) {
    const owner = name.endsWith('.tmp') ? parseOwnedName(name) : undefined;
    const mine = owner?.host === HOST_TAG;
    const litter = owner
      ? (mine && owner.pid === process.pid) ||
        isOwnerGone(owner, mine ? 0 : await ageOf(join(dir, name)), DEFAULT_LOCK_TIMING.staleMs)
      : name !== file && (DATA_FILE.test(name) || name === UNVERIFIED_FILE);
    if (litter) await rm(join(dir, name), { force: true });
  }
}

/** The verified checkpoint bytes of `dir`; a missing folder or an empty one holds none. */
export async function loadCheckpointBytes(dir: string): Promise<StoredBytes> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const names = await readdir(dir).catch(() => [] as string[]);
    const data = names.filter((n) => DATA_FILE.test(n) || n === UNVERIFIED_FILE);
    if (data.length === 0) return { status: 'none' };
    return { status: 'damaged', reason: `${MANIFEST_FILE} is missing, so ${data.join(', ')} cannot be verified` };
  }
  const manifest = parseManifest(text);
  if (typeof manifest === 'string') return { status: 'damaged', reason: `${MANIFEST_FILE}: ${manifest}` };
  const path = join(dir, manifest.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { status: 'damaged', reason: `${manifest.file} is missing` };
    throw error;
  }
  if (bytes.byteLength !== manifest.size)
    return {
      status: 'damaged',
      reason: `${manifest.file} has ${bytes.byteLength} bytes, the manifest says ${manifest.size}`,
    };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.sha256)
    return {
      status: 'damaged',
      reason: `${manifest.file} has sha256 ${sha256.slice(0, 12)}…, the manifest says ${manifest.sha256.slice(0, 12)}…`,
    };
  return { status: 'ok', path, bytes };
}

/** The manifest, or why it is not one. */
function parseManifest(text: string): CheckpointManifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  const m = value as Partial<CheckpointManifest> | null;
  if (!m || m.format !== MANIFEST_FORMAT) return `not a ${MANIFEST_FORMAT} manifest`;
  if (typeof m.file !== 'string' || !DATA_FILE.test(m.file))
    return `names no checkpoint file (${JSON.stringify(m.file)})`;
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) return 'has no sha256';
  if (!Number.isSafeInteger(m.size) || m.size! < 0) return 'has no size';
  return m as CheckpointManifest;
}

/**
 * Moves a damaged checkpoint folder aside, next to itself: <dir>.damaged-<UTC time>-<4 hex>, so the next save
 * starts a fresh folder and nothing of the damaged one is lost. Returns the new path.
 */
export async function setAside(dir: string, now: Date = new Date()): Promise<string> {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const aside = join(dirname(dir), `${basename(dir)}.damaged-${stamp}-${randomBytes(2).toString('hex')}`);
  await rename(dir, aside);
  return aside;
}
