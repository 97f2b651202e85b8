// Paths tfpipe builds from what a user wrote (a pipeline file's stem, a stage id, a run id read back from a record)
// are joined under one of tfpipe's own folders (the cache root, .tfpipe/metrics, .tfpipe/runs, .tfpipe/reports).
// Validation refuses the names that could escape (runner/spec/names.ts); this is the second line: every such path
// is resolved and checked to stay strictly inside its root before anything is written there or removed, so a
// name that slipped through (`..`, `a/../../x`, an absolute path, a symlink inside the root that leads out) fails
// with a message instead of deleting the cache or the run registry.
//   confinedPath('/p/.tfpipe/metrics', '..', 'cache')  → throws PathEscapeError (it is /p/.tfpipe/cache)
//   confinedPath('/p/.tfpipe/metrics', 'lab1', 'train') → '/p/.tfpipe/metrics/lab1/train'
//   removeConfined(root, path)  rm -r of `path`, only when it is inside `root` (never root itself)
import { realpathSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class PathEscapeError extends Error {
  override name = 'PathEscapeError';
  constructor(
    readonly root: string,
    readonly path: string,
    reason: string,
  ) {
    super(`refusing to touch ${path}: ${reason} ${root}`);
  }
}

/** `root` joined with `parts`, resolved; throws PathEscapeError unless the result is strictly inside `root`. */
export function confinedPath(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  assertInside(base, path);
  return path;
}

/**
 * Throws PathEscapeError unless `path` lies strictly below `root`, both as written (after resolving `.` and `..`)
 * and on disk: the deepest part of `path` that exists is realpath()ed and must still be below root's realpath, so
 * a symlink planted inside the root cannot lead a write or a delete out of it. The root itself may be a link.
 */
export function assertInside(root: string, path: string): void {
  const base = resolve(root);
  const target = resolve(path);
  if (!isStrictlyBelow(base, target)) throw new PathEscapeError(base, target, 'it is not inside');
  const realBase = realpathOfDeepestExisting(base);
  const realTarget = realpathOfDeepestExisting(target);
  if (!isStrictlyBelow(realBase, realTarget))
    throw new PathEscapeError(base, target, `it leads (through a symlink) to ${realTarget}, which is not inside`);
}

/** rm -r of a path that must be strictly inside `root`; a missing path is fine. */
export async function removeConfined(root: string, path: string): Promise<void> {
  assertInside(root, path);
  await rm(path, { recursive: true, force: true });
}

/** mkdir -p of a path that must be strictly inside `root`. */
export async function mkdirConfined(root: string, path: string): Promise<void> {
  assertInside(root, path);
  await mkdir(path, { recursive: true });
}

function isStrictlyBelow(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** realpath of the longest existing prefix of `path`, with the rest appended as written. */
function realpathOfDeepestExisting(path: string): string {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      return join(realpathSync(p), ...missing.reverse());
    } catch {
      if (dirname(p) === p) return path;
      missing.push(basename(p));
    }
  }
}
