// Fetches the files of a GPT-2 checkpoint from a Hub endpoint into the huggingface_hub cache layout.
//   1. HEAD config.json at the asked revision → the commit (X-Repo-Commit); every later request names that
//      commit, so all files come from one snapshot even if the branch moves meanwhile.
//   2. HEAD model.safetensors (required; a 404 is explained: only pytorch_model.bin, sharded, or nothing) and
//      generation_config.json (optional; a 404 leaves a .no_exist marker, as huggingface_hub does).
//   3. Download the blobs not in the cache yet (progress in bytes over all of them), then link
//      snapshots/{commit}/* → blobs and write refs/{revision} — only once every blob is in place, so a failed or
//      aborted run leaves nothing in snapshots/ (blobs and .incomplete files stay, to be reused and resumed).
import {
  blobPath,
  hasSnapshotFile,
  isFile,
  isMarkedMissing,
  linkSnapshotFile,
  markMissing,
  writeRef,
  type RepoCache,
} from './cache-layout.ts';
import { downloadBlob } from './download-blob.ts';
import { HubError } from './errors.ts';
import { fetchFileMetadata, resolveUrl, type FileMetadata, type HubClient } from './http.ts';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

export interface DownloadProgress {
  start(total: number, unit?: string, label?: string): void;
  update(done: number, extra?: string): void;
}

export interface SnapshotRequest {
  client: HubClient;
  repo: RepoCache;
  repoId: string;
  revision: string;
  progress?: DownloadProgress;
}

interface PlannedFile {
  filename: string;
  etag: string;
  size?: number;
  url: string;
}

/** Returns the commit the revision resolved to; its snapshot folder then holds config.json and the weights. */
export async function downloadSnapshot(request: SnapshotRequest): Promise<string> {
  const { client, repo, repoId, revision } = request;
  const config = await fetchFileMetadata(client, resolveUrl(client.endpoint, repoId, revision, CONFIG_FILE));
  if (config.status === 'missing') throw configMissing(request, config);
  const commit = config.commit;
  const at = (filename: string) => resolveUrl(client.endpoint, repoId, commit, filename);

  const planned: PlannedFile[] = [];
  if (!(await hasSnapshotFile(repo, commit, CONFIG_FILE))) {
    // Fetched at the commit, not the branch: the bytes must be those the etag names even if the branch moves.
    const url =
      config.downloadUrl === resolveUrl(client.endpoint, repoId, revision, CONFIG_FILE)
        ? at(CONFIG_FILE)
        : config.downloadUrl;
    planned.push({ filename: CONFIG_FILE, etag: config.etag, size: config.size, url });
  }
  if (!(await hasSnapshotFile(repo, commit, WEIGHTS_FILE))) {
    const weights = await fetchFileMetadata(client, at(WEIGHTS_FILE));
    if (weights.status === 'missing') throw await weightsMissing(request, commit);
    planned.push({ filename: WEIGHTS_FILE, etag: weights.etag, size: weights.size, url: weights.downloadUrl });
  }
  const optional =
    (await hasSnapshotFile(repo, commit, GENERATION_CONFIG_FILE)) ||
    (await isMarkedMissing(repo, commit, GENERATION_CONFIG_FILE));
  if (!optional) {
    const generation = await fetchFileMetadata(client, at(GENERATION_CONFIG_FILE));
    if (generation.status === 'missing') await markMissing(repo, commit, GENERATION_CONFIG_FILE);
    else
      planned.push({
        filename: GENERATION_CONFIG_FILE,
        etag: generation.etag,
        size: generation.size,
        url: generation.downloadUrl,
      });
  }

  await downloadBlobs(request, commit, planned);
  for (const file of planned) await linkSnapshotFile(repo, commit, file.filename, file.etag);
  await writeRef(repo, revision, commit);
  return commit;
}

async function downloadBlobs(request: SnapshotRequest, commit: string, planned: PlannedFile[]): Promise<void> {
  const { client, repo, repoId, progress } = request;
  const missing: PlannedFile[] = [];
  for (const file of planned) if (!(await isFile(blobPath(repo, file.etag)))) missing.push(file);
  if (missing.length === 0) return;
  const total = missing.reduce((sum, file) => sum + (file.size ?? 0), 0);
  progress?.start(total, 'B', `download ${repoId}@${commit.slice(0, 7)}`);
  let before = 0;
  for (const file of missing) {
    await downloadBlob({
      client,
      repo,
      etag: file.etag,
      url: file.url,
      size: file.size,
      onBytes: (done) => progress?.update(before + done, file.filename),
    });
    before += file.size ?? 0;
  }
}

function configMissing(request: SnapshotRequest, answer: Extract<FileMetadata, { status: 'missing' }>): HubError {
  const { client, repoId, revision } = request;
  const where = `${client.endpoint}/${repoId}`;
  switch (answer.errorCode) {
    case 'RevisionNotFound':
      return new HubError('not-found', `${where}: no revision '${revision}' (a branch, tag or commit hash)`);
    case 'EntryNotFound':
      return new HubError('not-found', `${where}@${revision}: no ${CONFIG_FILE}; is it a transformers model?`);
    default:
      return new HubError(
        'not-found',
        `${where}: no such model repo (HTTP 404${answer.errorCode ? `, ${answer.errorCode}` : ''}); GPT-2 ids are gpt2, gpt2-medium, gpt2-large, gpt2-xl or openai-community/gpt2…`,
      );
  }
}

/** model.safetensors is absent: says what is there instead, so the user knows what to do. */
async function weightsMissing(request: SnapshotRequest, commit: string): Promise<HubError> {
  const { client, repoId, revision } = request;
  const exists = async (filename: string) =>
    (await fetchFileMetadata(client, resolveUrl(client.endpoint, repoId, commit, filename))).status === 'found';
  const where = `${repoId}@${revision} (commit ${commit.slice(0, 7)})`;
  if (await exists(SHARD_INDEX_FILE)) {
    return new HubError(
      'no-safetensors',
      `${where} has sharded safetensors (${SHARD_INDEX_FILE}); tfpipe downloads single-file checkpoints only — download it with \`huggingface-cli download ${repoId}\` (tfpipe then finds it in the Hugging Face cache), or give the downloaded folder as base:`,
    );
  }
  if (await exists('pytorch_model.bin')) return pytorchOnly(where, repoId);
  return new HubError('not-found', `${where} has no ${WEIGHTS_FILE} (nor pytorch_model.bin)`);
}

export function pytorchOnly(where: string, repoId: string): HubError {
  return new HubError(
    'no-safetensors',
    `${where} has only pytorch_model.bin; tfpipe reads safetensors. Convert it once with Python ` +
      `(transformers installed): python -c "from transformers import GPT2LMHeadModel as M; ` +
      `M.from_pretrained('${repoId}').save_pretrained('${repoId.replace('/', '--')}-safetensors', safe_serialization=True)" ` +
      `and set base: to that folder`,
  );
}
