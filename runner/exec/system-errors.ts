// Node's file-system errors as messages a user can act on: what was refused, where, and why, e.g.
//   "cannot write /data/.tfpipe/cache/locks/…: the file system is read-only (EROFS)"
// instead of the raw "EROFS: read-only file system, open '…'" with a stack. The one top-level catch (cli.ts) and
// a failing stage (executor.ts) both use it. Errors without a path (a write() on an open file, as ENOSPC comes)
// are given the folder the work was in, when the caller knows it.

/** A Node.js system error: an Error with code and syscall, and path (dest for rename, link) when the call had one. */
export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENAMETOOLONG: 'the name is too long for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  EEXIST: 'it exists already',
  ENOTEMPTY: 'the folder is not empty',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EIO: 'an input/output error (a failing disk?)',
  EXDEV: 'it is on another file system',
  EBUSY: 'it is busy',
  ETXTBSY: 'it is busy',
};

/** What the call was doing, by syscall. */
const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  unlink: 'remove',
  rename: 'rename',
  link: 'link',
  scandir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  fstat: 'read',
  fsync: 'flush',
  copyfile: 'copy',
  rm: 'remove',
  access: 'reach',
  utime: 'touch',
  chmod: 'change the mode of',
};

/** Errors that say the path itself cannot be one (too long, a file where a folder must be, …): on a path the user
 *  gave, a usage problem (exit 2), where ENOSPC, EROFS or EACCES are the machine's (exit 1). */
export function isPathProblem(error: unknown): boolean {
  return isSystemError(error) && ['ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'ELOOP'].includes(error.code);
}

export function isSystemError(error: unknown): error is SystemError {
  return (
    error instanceof Error &&
    typeof (error as SystemError).code === 'string' &&
    /^E[A-Z0-9]+$/.test((error as SystemError).code) &&
    (error as SystemError).code in REASONS
  );
}

/**
 * "cannot write /x/y: no space left on the device (ENOSPC)" for a file-system error, or undefined for any other
 * error. `where` names the folder the work was in, for errors that carry no path.
 */
export function describeSystemError(error: unknown, where?: string): string | undefined {
  if (!isSystemError(error)) return undefined;
  const verb = VERBS[error.syscall ?? ''] ?? error.syscall ?? 'use';
  const reason = `${REASONS[error.code]} (${error.code})`;
  if (error.path !== undefined && error.dest !== undefined)
    return `cannot ${verb} ${error.path} to ${error.dest}: ${reason}`;
  if (error.path !== undefined) return `cannot ${verb} ${error.path}: ${reason}`;
  return where !== undefined ? `cannot ${verb} a file in ${where}: ${reason}` : `cannot ${verb} a file: ${reason}`;
}
