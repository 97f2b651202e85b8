// The git state a run started from, as DVC's experiments keep it: the commit checked out in the work tree that holds
// the pipeline file, and whether that tree had changes not in the commit.
//   readGitState('/w/project', {ignore: ['/w/project/.tfpipe']}) → {commit: '3f2a…', dirty: false}
//   a folder outside any work tree, or no git installed, or a repository without a commit → undefined
// tfpipe's own folders (the cache, the run records, exported metrics) are ignored: otherwise the first run's records
// would make every later run of an unignored project dirty.
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export interface GitState {
  commit: string;
  dirty: boolean;
}

export interface GitOptions {
  /** Absolute paths whose changes do not count (tfpipe's registry and cache). */
  ignore?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export async function readGitState(folder: string, options: GitOptions = {}): Promise<GitState | undefined> {
  const git = (...args: string[]) => run(folder, args, options.env);
  const [commit, top, status] = await Promise.all([
    git('rev-parse', '--verify', '--quiet', 'HEAD'),
    git('rev-parse', '--show-toplevel'),
    // -z: paths as they are (no quoting), relative to the top of the work tree
    git('status', '--porcelain', '-z'),
  ]);
  if (commit === undefined || top === undefined || status === undefined) return undefined;
  const root = top.trim();
  const changed = changedPaths(status).map((p) => resolve(root, p));
  // git prints real paths (a /tmp that is a symlink resolved); compare like with like
  const ignore = (options.ignore ?? []).map(realPath);
  const ignored = (path: string) => ignore.some((dir) => isWithin(path, dir));
  return { commit: commit.trim(), dirty: changed.some((p) => !ignored(p)) };
}

/** The paths of `git status --porcelain -z`: `XY path\0`, and for renames and copies `XY new\0old\0`. */
function changedPaths(status: string): string[] {
  const fields = status.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i];
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') paths.push(fields[++i] ?? '');
  }
  return paths.filter((p) => p !== '');
}

/** True when `path` is `dir` or inside it (an untracked `.tfpipe/` is listed with its trailing slash). */
function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // not there yet: nothing in it can be listed either
  }
}

/** stdout of `git args` in `cwd`; undefined when git is missing, fails, or takes over 10 s. */
function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((done) => {
    // GIT_OPTIONAL_LOCKS=0: status does not take the index lock, so it never gets in the way of the user's own git
    const options = { cwd, env: { ...env, GIT_OPTIONAL_LOCKS: '0' }, timeout: 10_000, maxBuffer: 64 * 1024 * 1024 };
    execFile('git', args, options, (error, stdout) => done(error ? undefined : stdout));
  });
}
