// `model: <ref>` → a folder holding config.json and model.safetensors (or a sharded model.safetensors.index.json).
//   - a folder that exists (absolute, `~/…`, or relative to the pipeline's folder) and holds config.json (or a peft
//     adapter's adapter_config.json, which names its own base: stages/lm/model-source.ts): as is;
//   - otherwise a Hugging Face Hub repo id (gpt2, gpt2-medium, openai-community/gpt2, …), looked up first in the
//     huggingface_hub cache (refs/{revision} → snapshots/{commit}: no request at all when both files are
//     there — a branch is not re-checked for new commits; pin a commit hash, or delete refs/{revision}, to move),
//     then, unless HF_HUB_OFFLINE is set, downloaded from HF_ENDPOINT into that cache.
// The returned `revision` is the commit hash, for the stage fingerprint.
import { isAbsolute, join, resolve } from 'node:path';
import { statSync, type Stats } from 'node:fs';
import {
  expandHome,
  hasSnapshotFile,
  hubCacheDir,
  readCachedCommit,
  repoCache,
  snapshotDir,
  type RepoCache,
} from './cache-layout.ts';
import { HubError } from './errors.ts';
import { assertRegularModelFiles } from '../../lib/fs/regular-file.ts';
import { hubClient } from './http.ts';
import { ADAPTER_CONFIG_FILE } from '../lora/config.ts';
import {
  CONFIG_FILE,
  downloadSnapshot,
  pytorchOnly,
  SHARD_INDEX_FILE,
  WEIGHTS_FILE,
  type DownloadProgress,
} from './snapshot-download.ts';

export interface ResolveModelOptions {
  /** HF_HUB_CACHE, HF_HOME, HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE are read from here, never process.env. */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative folder paths resolve against this (the pipeline file's folder). */
  baseDir: string;
  signal?: AbortSignal;
  /** Download progress in bytes: one start() over all missing files, then cumulative update()s. */
  progress?: DownloadProgress;
  /** Branch, tag or 40-hex commit; default `main`. */
  revision?: string;
}

export interface ResolvedModelFolder {
  dir: string;
  /** local: a folder given as is; hf-cache: found in the cache, no request made; downloaded: the Hub was asked. */
  source: 'local' | 'hf-cache' | 'downloaded';
  /** The commit hash, for Hub models. */
  revision?: string;
  /** The Hub repo id, for Hub models. */
  repoId?: string;
}

export async function resolveModelFolder(ref: string, opts: ResolveModelOptions): Promise<ResolvedModelFolder> {
  const found = await findModelFolder(ref, opts);
  // config.json or the weights as a FIFO or a link to /dev/zero would block or never end: refuse them by name.
  assertRegularModelFiles(found.dir);
  return found;
}

async function findModelFolder(ref: string, opts: ResolveModelOptions): Promise<ResolvedModelFolder> {
  const local = await findLocalFolder(ref, opts);
  if (local) return { dir: local, source: 'local' };
  const repoId = ref;
  const revision = opts.revision ?? 'main';
  if (!/^[\w-][\w.\/-]*$/.test(revision) || revision.split('/').includes('..')) {
    throw new HubError('bad-ref', `model '${ref}': revision '${revision}' is not a branch, tag or commit hash`);
  }
  const repo = repoCache(hubCacheDir(opts.env), repoId);

  const cachedCommit = await readCachedCommit(repo, revision);
  if (cachedCommit && (await hasCheckpoint(repo, cachedCommit))) {
    return { dir: snapshotDir(repo, cachedCommit), source: 'hf-cache', revision: cachedCommit, repoId };
  }
  if (isTrue(opts.env.HF_HUB_OFFLINE)) throw await offlineMiss(repo, repoId, revision, cachedCommit);

  const client = hubClient(opts.env, opts.signal);
  const commit = await downloadSnapshot({ client, repo, repoId, revision, progress: opts.progress });
  return { dir: snapshotDir(repo, commit), source: 'downloaded', revision: commit, repoId };
}

/** The folder `ref` names when it holds config.json; undefined for a Hub id; throws for a path that is not usable. */
async function findLocalFolder(ref: string, opts: ResolveModelOptions): Promise<string | undefined> {
  const named = classifyModelRef(ref, opts);
  if (named.type === 'folder') return named.path;
  if (named.type === 'hub') return undefined;
  const what = named.found === 'folder' ? `the folder ${named.path} has no ${CONFIG_FILE}` : `no folder ${named.path}`;
  throw new HubError(
    'bad-ref',
    `model '${ref}': ${what}, and it is not a Hugging Face repo id either. ` +
      `Give a folder with ${CONFIG_FILE} and ${WEIGHTS_FILE} (relative paths resolve against ${opts.baseDir}) ` +
      `or a Hub id such as gpt2, gpt2-medium or openai-community/gpt2`,
  );
}

/** What a model ref names, told without the network: a local folder, a Hub id, or neither (and what is there). */
export type ModelRefTarget =
  | { type: 'folder'; path: string }
  | { type: 'hub' }
  | { type: 'neither'; path: string; found: 'nothing' | 'file' | 'folder' };

/**
 * A folder that holds config.json, or a peft adapter's adapter_config.json (absolute, `~/…`, or relative to baseDir)
 * is local; else a string that can be a
 * Hub repo id is one; else it is neither (`found`: what the path holds, a folder being one without config.json).
 * Synchronous, so that validation asks the very question a run asks.
 */
export function classifyModelRef(ref: string, opts: Pick<ResolveModelOptions, 'env' | 'baseDir'>): ModelRefTarget {
  const path = ref.startsWith('~') ? expandHome(ref, opts.env) : isAbsolute(ref) ? ref : resolve(opts.baseDir, ref);
  // Any entry named config.json marks a model folder, even one that is not a regular file (a FIFO): that is then
  // refused by name (assertRegularModelFiles) rather than the ref being taken for a Hub id.
  if (statOrNull(join(path, CONFIG_FILE)) || statOrNull(join(path, ADAPTER_CONFIG_FILE)))
    return { type: 'folder', path };
  if (isHubRepoId(ref)) return { type: 'hub' };
  const entry = statOrNull(path);
  return { type: 'neither', path, found: !entry ? 'nothing' : entry.isDirectory() ? 'folder' : 'file' };
}

/** huggingface_hub's validate_repo_id: `name` or `namespace/name`, [\w.-], no `--` or `..`, ≤ 96 chars. */
export function isHubRepoId(ref: string): boolean {
  return (
    ref.length <= 96 &&
    /^(\b[\w.-]+\b\/)?\b[\w.-]+\b$/.test(ref) &&
    !ref.includes('--') &&
    !ref.includes('..') &&
    !ref.endsWith('.git')
  );
}

/**
 * The snapshot holds config.json and weights: model.safetensors, or a sharded checkpoint's index (as
 * `huggingface-cli download` leaves it; tfpipe's own download fetches single files only). The load checks the shards.
 */
async function hasCheckpoint(repo: RepoCache, commit: string): Promise<boolean> {
  return (
    (await hasSnapshotFile(repo, commit, CONFIG_FILE)) &&
    ((await hasSnapshotFile(repo, commit, WEIGHTS_FILE)) || (await hasSnapshotFile(repo, commit, SHARD_INDEX_FILE)))
  );
}

async function offlineMiss(
  repo: RepoCache,
  repoId: string,
  revision: string,
  commit: string | undefined,
): Promise<HubError> {
  const where = `${repoId}@${revision}`;
  if (
    commit &&
    (await hasSnapshotFile(repo, commit, 'pytorch_model.bin')) &&
    !(await hasSnapshotFile(repo, commit, WEIGHTS_FILE))
  ) {
    return pytorchOnly(`${where} (cached in ${snapshotDir(repo, commit)})`, repoId);
  }
  const missing = !commit
    ? `no refs/${revision} there`
    : `snapshots/${commit} lacks ${(await hasSnapshotFile(repo, commit, CONFIG_FILE)) ? WEIGHTS_FILE : `${CONFIG_FILE} or ${WEIGHTS_FILE}`}`;
  return new HubError(
    'offline-miss',
    `HF_HUB_OFFLINE is set and ${where} is not in the Hugging Face cache: searched ${repo.root} (${missing}). ` +
      `Unset HF_HUB_OFFLINE to download it, or point HF_HUB_CACHE / HF_HOME at the cache that holds it`,
  );
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null; // missing, or under a file (ENOTDIR), or unreadable: not usable either way
  }
}

/** huggingface_hub's _is_true: 1, ON, YES, TRUE (any case). */
function isTrue(value: string | undefined): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((value ?? '').trim().toUpperCase());
}
