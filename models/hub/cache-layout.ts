// The Hugging Face Hub cache, laid out exactly as huggingface_hub (Python) lays it out, so a cache filled by
// transformers is reused here and the other way round:
//   <hub cache>/models--{org}--{name}/
//     refs/{revision}                 a file holding the 40-hex commit the revision (branch, tag) pointed to
//     blobs/{etag}                    file contents, named by etag (sha256 for LFS files, git sha1 otherwise)
//     blobs/{etag}.incomplete         a download in progress (resumable)
//     snapshots/{commit}/{filename}   relative symlink → ../../blobs/{etag} (a plain file is read too)
//     .no_exist/{commit}/{filename}   empty marker: the file does not exist at that commit
//   <hub cache>/.locks/models--{org}--{name}/{etag}.lock   huggingface_hub's (filelock) lock
// The hub cache folder: $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (legacy), else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub — huggingface_hub's constants.py order.
import { copyFile, lstat, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ownedName } from '../../lib/fs/owner.ts';
import { HubError } from './errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function hubCacheDir(env: Env): string {
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (explicit) return expandHome(explicit, env);
  if (env.HF_HOME) return join(expandHome(env.HF_HOME, env), 'hub');
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME, env) : join(homeDir(env), '.cache');
  return join(xdg, 'huggingface', 'hub');
}

/** `~` and `~/x` as Python's expanduser does, with HOME taken from the handed-in env. */
export function expandHome(path: string, env: Env): string {
  if (path === '~') return homeDir(env);
  if (path.startsWith('~/')) return join(homeDir(env), path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

function homeDir(env: Env): string {
  const home = env.HOME || env.USERPROFILE;
  if (!home)
    throw new HubError('bad-ref', 'cannot locate the Hugging Face cache: HOME is not set; set HF_HUB_CACHE or HF_HOME');
  return home;
}

/** `openai-community/gpt2` → `models--openai-community--gpt2` (huggingface_hub's repo_folder_name). */
export function repoFolderName(repoId: string): string {
  return ['models', ...repoId.split('/')].join('--');
}

/** Paths inside one repo's cache folder. */
export interface RepoCache {
  /** `<hub cache>/models--{org}--{name}` */
  root: string;
  /** `<hub cache>/.locks/models--{org}--{name}` */
  locks: string;
}

export function repoCache(hubCache: string, repoId: string): RepoCache {
  const folder = repoFolderName(repoId);
  return { root: join(hubCache, folder), locks: join(hubCache, '.locks', folder) };
}

export const snapshotDir = (repo: RepoCache, commit: string): string => join(repo.root, 'snapshots', commit);
export const blobPath = (repo: RepoCache, etag: string): string => join(repo.root, 'blobs', etag);

/** The commit a revision resolves to from the cache alone: a commit hash is itself; a branch/tag via refs/. */
export async function readCachedCommit(repo: RepoCache, revision: string): Promise<string | undefined> {
  if (COMMIT_HASH.test(revision)) return revision;
  try {
    const commit = (await readFile(join(repo.root, 'refs', revision), 'utf8')).trim();
    return COMMIT_HASH.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** True when `snapshots/{commit}/{filename}` is there and readable (a dangling symlink counts as absent). */
export async function hasSnapshotFile(repo: RepoCache, commit: string, filename: string): Promise<boolean> {
  return isFile(join(snapshotDir(repo, commit), filename));
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Points `snapshots/{commit}/{filename}` at `blobs/{etag}` with a relative symlink, as huggingface_hub does
 * (`../../blobs/{etag}`), replacing what was there atomically. Where symlinks are refused (Windows without
 * developer mode) the blob is copied instead — huggingface_hub's fallback too.
 */
export async function linkSnapshotFile(
  repo: RepoCache,
  commit: string,
  filename: string,
  etag: string,
): Promise<string> {
  const pointer = join(snapshotDir(repo, commit), filename);
  const blob = blobPath(repo, etag);
  await mkdir(dirname(pointer), { recursive: true });
  const temp = ownedName(pointer, '.tmp');
  try {
    await symlink(relative(dirname(pointer), blob), temp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    await copyFile(blob, temp);
  }
  try {
    await rename(temp, pointer);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return pointer;
}

/** `refs/{revision}` ← commit (no newline, like huggingface_hub); skipped when the revision is the commit. */
export async function writeRef(repo: RepoCache, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = join(repo.root, 'refs', revision);
  await mkdir(dirname(path), { recursive: true });
  const temp = ownedName(path, '.tmp');
  await writeFile(temp, commit);
  await rename(temp, path);
}

/** `.no_exist/{commit}/{filename}`: lets transformers (and us) skip asking for an optional file again. */
export async function markMissing(repo: RepoCache, commit: string, filename: string): Promise<void> {
  const path = join(repo.root, '.no_exist', commit, filename);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '');
}

export async function isMarkedMissing(repo: RepoCache, commit: string, filename: string): Promise<boolean> {
  try {
    await lstat(join(repo.root, '.no_exist', commit, filename));
    return true;
  } catch {
    return false;
  }
}
