// manifest.json of a cache entry, and the check that an entry on disk is exactly what its manifest says.
//   <root>/<fp>/manifest.json   {format, fingerprint, tree, files: {'vocab.json': {sha256, size}}, started,
//                                finished, durationMs, metrics, summary?, tfpipe}
//   <root>/<fp>/out/...         the stage's files
// Verification is all-or-nothing: every listed file present with its size and sha256, nothing unlisted.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fingerprint, StageResult } from '../../stages/stage.ts';
import { digestFile } from './hash.ts';
import { fingerprintOf, type FingerprintTree } from './fingerprint.ts';
import { listTree, mapLimit } from '../../lib/fs/atomic.ts';

export const MANIFEST_FORMAT = 'tfpipe-cache-entry/1';

export interface ManifestFile {
  sha256: string;
  size: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  fingerprint: Fingerprint;
  /** What went into the fingerprint: the tree `tfpipe status` diffs against. */
  tree: FingerprintTree;
  /** Path relative to out/ ('/' separators) → digest. */
  files: Record<string, ManifestFile>;
  /** ISO timestamps of produce() start and end. */
  started: string;
  finished: string;
  durationMs: number;
  metrics: NonNullable<StageResult['metrics']>;
  summary?: string[];
  /** Full tfpipe version that wrote the entry. */
  tfpipe: string;
}

export type CorruptCode =
  | 'not-a-folder'
  | 'manifest-missing'
  | 'manifest-invalid'
  | 'fingerprint-mismatch'
  | 'file-missing'
  | 'file-extra'
  | 'file-not-regular'
  | 'size-mismatch'
  | 'hash-mismatch';

export interface CorruptEntry {
  status: 'corrupt';
  code: CorruptCode;
  /** One sentence naming the entry and, where there is one, the file. */
  reason: string;
  /** The offending file, relative to out/. */
  file?: string;
}

export interface CacheEntry {
  fingerprint: Fingerprint;
  /** The entry root, <root>/<fp>. */
  dir: string;
  /** The stage's files, <root>/<fp>/out. */
  outDir: string;
  manifest: Manifest;
}

export type LookupResult = ({ status: 'hit' } & CacheEntry) | { status: 'miss' } | CorruptEntry;

/** Files hashed at once: overlaps reads of one with hashing of another. */
const VERIFY_CONCURRENCY = 3;

/** Checks the entry folder `dir` against its manifest; reads every byte of every output. */
export async function verifyEntry(dir: string, fp: Fingerprint, signal?: AbortSignal): Promise<LookupResult> {
  const short = fp.slice(0, 12);
  const corrupt = (code: CorruptCode, reason: string, file?: string): CorruptEntry => ({
    status: 'corrupt',
    code,
    reason: `cache entry ${short}: ${reason}`,
    ...(file === undefined ? {} : { file }),
  });
  try {
    if (!(await stat(dir)).isDirectory()) return corrupt('not-a-folder', `${dir} is not a folder`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'miss' };
    throw error;
  }

  const read = await readManifest(dir);
  if (read.status !== 'ok') {
    return read.status === 'missing'
      ? corrupt('manifest-missing', 'manifest.json is missing (a partial or damaged entry)')
      : corrupt('manifest-invalid', `manifest.json is unreadable: ${read.message}`);
  }
  const manifest = read.manifest;
  if (manifest.fingerprint !== fp || fingerprintOf(manifest.tree) !== fp) {
    return corrupt('fingerprint-mismatch', 'manifest.json describes another fingerprint');
  }

  const outDir = join(dir, 'out');
  let listing;
  try {
    listing = await listTree(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    listing = { files: new Map<string, number>(), others: [], dirs: [] };
  }
  if (listing.others.length > 0)
    return corrupt('file-not-regular', `out/${listing.others[0]} is not a regular file`, listing.others[0]);
  const expected = Object.keys(manifest.files).sort();
  for (const file of expected) {
    if (!listing.files.has(file)) return corrupt('file-missing', `out/${file} is missing`, file);
  }
  for (const file of listing.files.keys()) {
    if (!(file in manifest.files)) return corrupt('file-extra', `out/${file} is not in the manifest`, file);
  }
  for (const file of expected) {
    const [want, got] = [manifest.files[file].size, listing.files.get(file)];
    if (want !== got) return corrupt('size-mismatch', `out/${file} is ${got} bytes, the manifest says ${want}`, file);
  }
  // A file can vanish between the listing and its read (the entry replaced by another run): then it is missing.
  const digests = await mapLimit(expected, VERIFY_CONCURRENCY, (file) =>
    digestFile(join(outDir, file), { signal }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  );
  for (const [i, file] of expected.entries()) {
    const digest = digests[i];
    if (digest === undefined) return corrupt('file-missing', `out/${file} is missing`, file);
    if (digest.sha256 !== manifest.files[file].sha256) {
      return corrupt('hash-mismatch', `out/${file} does not match its sha256 in the manifest (content changed)`, file);
    }
  }
  return { status: 'hit', fingerprint: fp, dir, outDir, manifest };
}

export type ManifestRead =
  { status: 'ok'; manifest: Manifest } | { status: 'missing' } | { status: 'invalid'; message: string };

export async function readManifest(dir: string): Promise<ManifestRead> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'invalid', message: (error as Error).message };
  }
  return parseManifest(text);
}

/** manifest.json's text → the manifest, or why it is not one (also for manifests read from a remote cache). */
export function parseManifest(text: string): ManifestRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { status: 'invalid', message: (error as Error).message };
  }
  const problem = manifestShapeProblem(parsed);
  return problem === undefined
    ? { status: 'ok', manifest: parsed as Manifest }
    : { status: 'invalid', message: problem };
}

function manifestShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const m = value as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT) return `format is ${JSON.stringify(m.format)}, expected ${MANIFEST_FORMAT}`;
  if (typeof m.fingerprint !== 'string') return 'no fingerprint';
  if (typeof m.tree !== 'object' || m.tree === null) return 'no tree';
  if (typeof m.files !== 'object' || m.files === null) return 'no files';
  for (const [file, digest] of Object.entries(m.files)) {
    if (typeof digest?.sha256 !== 'string' || typeof digest.size !== 'number') return `bad digest for ${file}`;
  }
  return undefined;
}
