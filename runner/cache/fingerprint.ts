// A stage's fingerprint: sha256 of the canonical JSON of everything its outputs depend on, the FingerprintTree.
//   {kind, version, params, inputs: {port: upstream fingerprint}, files: {path: sha256}, tfpipe: 'major.minor',
//    seed?: 1234, backend?: 'cpu', runtime?: {'tfjs-core': '4.22.0', 'tfjs-backend-cpu': '4.22.0'} (compute stages only)}
// What is left out is as deliberate as what is in: the stage id and description (renaming or documenting a stage
// keeps its cache), file mtimes (a `touch` or a fresh checkout changes nothing), tfpipe's patch version.
// The tree itself is kept in manifest.json and in the last-run state, so `tfpipe status` can diff it.
import { relative, isAbsolute, sep } from 'node:path';
import { createHash } from 'node:crypto';
import type { FileDependency, Fingerprint } from '../../stages/stage.ts';
import { canonicalJson, toCanonicalValue } from './canonical.ts';
import { NotRegularFileError, statRegularFile } from '../../lib/fs/regular-file.ts';
import { hashFile } from './hash.ts';
import { TFPIPE_MAJOR_MINOR } from './version.ts';
import type { FingerprintTree } from './fingerprint-tree.ts';

export { hashFile, digestFile, type FileDigest } from './hash.ts';
export type { FingerprintTree } from './fingerprint-tree.ts';

/** Keyed like a fingerprint, but without the stage's resume-compatible params: names a checkpoint folder. */
export type ResumeKey = string & { __brand: 'ResumeKey' };

export interface TreeParts {
  kind: string;
  version: number;
  params: Record<string, unknown>;
  /** Input port → the upstream output's fingerprint. */
  inputs: Record<string, Fingerprint>;
  /** From hashFileDependencies(); empty for stages that read no files. */
  files?: Record<string, string>;
  /** The pipeline seed, for stages whose outputs depend on it (the executor decides). */
  seed?: number;
  /** The run's backend; pass it for compute stages only (Stage.compute), undefined otherwise. */
  backend?: string;
  /** The versions of the packages that do the maths (runtimeVersions()); compute stages only, with backend. */
  runtime?: Record<string, string>;
  /** Defaults to this tfpipe's major.minor (tests pass another to check it counts). */
  tfpipe?: string;
}

/**
 * The tree for one stage. Pure; params are deep-copied through canonical JSON, so undefined members vanish and a
 * value JSON can't hold (NaN, a Map, a function) throws a CanonicalJsonError naming its path here, not later.
 */
export function buildTree(parts: TreeParts): FingerprintTree {
  const tree: FingerprintTree = {
    kind: parts.kind,
    version: parts.version,
    params: toCanonicalValue(parts.params),
    inputs: { ...parts.inputs },
    files: { ...(parts.files ?? {}) },
    tfpipe: parts.tfpipe ?? TFPIPE_MAJOR_MINOR,
  };
  if (parts.seed !== undefined) tree.seed = parts.seed;
  if (parts.backend !== undefined) tree.backend = parts.backend;
  if (parts.runtime !== undefined) tree.runtime = { ...parts.runtime };
  return tree;
}

export function fingerprintOf(tree: FingerprintTree): Fingerprint {
  return sha256Hex(canonicalJson(tree)) as Fingerprint;
}

/**
 * The fingerprint of the tree without `omitParams` (Stage.resumeCompatible): raising `epochs` changes the
 * fingerprint, so the run is a miss, but keeps the resume key, so training continues from its checkpoint.
 */
export function resumeKey(tree: FingerprintTree, omitParams: readonly string[] = []): ResumeKey {
  const params = { ...tree.params };
  for (const name of omitParams) delete params[name];
  return sha256Hex(canonicalJson({ ...tree, params, resume: true })) as ResumeKey;
}

export type FileHashResult =
  | { ok: true; files: Record<string, string> }
  | { ok: false; problem: { code: 'file-missing' | 'file-unreadable'; path: string; message: string } };

/**
 * Content hashes of a stage's input files (Stage.files()). A pinned sha256 is trusted as is (the file may not be
 * downloaded yet); anything else is read and hashed — never judged by its mtime.
 */
export async function hashFileDependencies(
  deps: readonly FileDependency[],
  options: { baseDir: string; signal?: AbortSignal },
): Promise<FileHashResult> {
  const files: Record<string, string> = {};
  for (const dep of deps) {
    const key = dep.key ?? fileKey(dep.path, options.baseDir);
    if (dep.sha256 !== undefined) {
      files[key] = dep.sha256.toLowerCase();
      continue;
    }
    try {
      await statRegularFile(dep.path); // a FIFO or /dev/zero would block or never end the hash
      files[key] = await hashFile(dep.path, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return {
          ok: false,
          problem: { code: 'file-missing', path: dep.path, message: `input file not found: ${dep.path}` },
        };
      }
      if (error instanceof NotRegularFileError) {
        return {
          ok: false,
          problem: { code: 'file-unreadable', path: dep.path, message: `input file ${error.message}` },
        };
      }
      return {
        ok: false,
        problem: {
          code: 'file-unreadable',
          path: dep.path,
          message: `cannot read input file ${dep.path}: ${(error as Error).message}`,
        },
      };
    }
  }
  return { ok: true, files };
}

/** Inside the pipeline folder: relative, so moving the project keeps the cache. Outside: absolute. */
function fileKey(path: string, baseDir: string): string {
  const rel = relative(baseDir, path);
  const key = rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel) ? rel : path;
  return key.split(sep).join('/');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
