// Where the cache lives: --cache-dir, else TFPIPE_CACHE, else .tfpipe/cache, each relative to the working
// folder. Values are handed in (only the CLI reads argv and process.env).
import { join, resolve } from 'node:path';

export const DEFAULT_CACHE_DIR = join('.tfpipe', 'cache');

export interface CacheRootSources {
  /** The --cache-dir flag, if given. */
  flag?: string;
  /** The TFPIPE_CACHE environment variable, if set. */
  env?: string;
  /** The folder relative paths resolve against; the process's cwd when omitted. */
  cwd?: string;
}

/** Absolute path of the cache root. An empty flag or variable counts as unset. */
export function resolveCacheRoot(sources: CacheRootSources): string {
  const cwd = sources.cwd ?? process.cwd();
  const chosen = [sources.flag, sources.env].find((value) => value !== undefined && value !== '');
  return resolve(cwd, chosen ?? DEFAULT_CACHE_DIR);
}
