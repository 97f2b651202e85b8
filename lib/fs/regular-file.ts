// Reads that refuse what is not a regular file. A FIFO blocks open() until a writer comes, which may be never (an
// `extends:` naming one hung tfpipe, and SIGTERM, which only asks the running work to stop, did not end it);
// /dev/zero and /dev/urandom never end; a socket cannot be opened at all. So every file tfpipe reads on a user's say-so (a pipeline, an `extends` base, a data
// file, a model file) is stat()ed first, following symlinks (a link to /dev/zero is a device), and refused unless
// it is a regular file. A file is then opened with O_NONBLOCK, so that one swapped for a FIFO in between still
// cannot block the open, and fstat()ed again on the handle.
//   statRegularFile('/dev/zero')  → throws NotRegularFileError "/dev/zero is a character device, not a regular file"
// Lives in lib/fs (the lowest layer) so that models, stages and runner can all use it.
import { constants, readdirSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(`${path} is ${found}, not a regular file`);
  }
}

/** What a stat names, in words: "a folder", "a FIFO (named pipe)", "a character device", ... */
export function describeFileType(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/** stat() (following symlinks) of a path that must be a regular file; ENOENT and the like are thrown as they are. */
export async function statRegularFile(path: string): Promise<Stats> {
  const stats = await stat(path);
  if (!stats.isFile()) throw new NotRegularFileError(path, describeFileType(stats));
  return stats;
}

/** statRegularFile, synchronous (validation asks the same question a run asks, synchronously). */
export function statRegularFileSync(path: string): Stats {
  const stats = statSync(path);
  if (!stats.isFile()) throw new NotRegularFileError(path, describeFileType(stats));
  return stats;
}

/** The whole file, refused unless it is a regular file; never blocks on a FIFO swapped in after the stat. */
export async function readRegularFile(path: string): Promise<Buffer>;
export async function readRegularFile(path: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const handle = await openRegularFile(path);
  try {
    const bytes = await handle.readFile();
    return encoding ? bytes.toString(encoding) : bytes;
  } finally {
    await handle.close();
  }
}

/**
 * A read-only handle on a regular file: refused (NotRegularFileError) before the open when the path is not one, and
 * checked again on the descriptor, which O_NONBLOCK opened, so a FIFO swapped in between cannot block the open.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  await statRegularFile(path);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new NotRegularFileError(path, describeFileType(stats));
  }
  return handle;
}

/**
 * The entries of a model folder that tfpipe may read (*.json, *.safetensors) and that exist but are not regular
 * files, as NotRegularFileErrors; [] when all are regular (symlinks to regular files are fine: the Hugging Face
 * cache links snapshots to blobs). An unreadable folder gives [] (the reader says why later). Synchronous, for
 * validation and a run alike; a folder holds a handful of files.
 */
export function irregularModelFilesSync(dir: string): NotRegularFileError[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: NotRegularFileError[] = [];
  for (const name of names.filter((n) => /\.(json|safetensors)$/.test(n)).sort()) {
    const path = join(dir, name);
    const stats = statOrNull(path); // a dangling link reads as absent, as the loaders see it
    if (stats && !stats.isFile()) found.push(new NotRegularFileError(path, describeFileType(stats)));
  }
  return found;
}

/** Throws the first of irregularModelFilesSync(dir), if any. */
export function assertRegularModelFiles(dir: string): void {
  const [first] = irregularModelFilesSync(dir);
  if (first) throw first;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
