// Training checkpoints on the remote cache, so that a training stopped on one machine (a cancelled or preempted
// Slurm job, a CI runner that died) resumes on another. Unlike entries, a checkpoint changes as training goes on:
//   checkpoints/<resume key>/blobs/<sha256>      the checkpoint's bytes, named by their content
//   checkpoints/<resume key>/checkpoint.json     {format, sha256, size}: the latest one, replaced on each push
// The manifest goes up after its blob, so a reader never sees a manifest whose blob is missing or partial, and two
// machines pushing at once leave a manifest naming a whole blob. A pull checks size and sha256 before the bytes are
// committed, through the local checkpoint folder's own protocol (models/train/checkpoint-files.ts).
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { loadCheckpointBytes, saveCheckpointBytes } from '../../../models/train/checkpoint-files.ts';
import { isSha256 } from './layout.ts';
import type { ObjectStore } from './object-store.ts';

const FORMAT = 'tfpipe-remote-checkpoint/1';

interface RemoteCheckpoint {
  format: typeof FORMAT;
  sha256: string;
  size: number;
}

function keysOf(resumeKey: string) {
  if (!isSha256(resumeKey)) throw new Error(`not a resume key (64 hex digits): ${JSON.stringify(resumeKey)}`);
  const base = `checkpoints/${resumeKey}`;
  return { manifest: `${base}/checkpoint.json`, blob: (sha256: string) => `${base}/blobs/${sha256}` };
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function remoteManifest(remote: ObjectStore, key: string, signal?: AbortSignal) {
  const body = await remote.get(key, signal);
  if (!body) return { status: 'none' as const };
  try {
    const value = JSON.parse((await readAll(body)).toString('utf8')) as Partial<RemoteCheckpoint>;
    if (value.format !== FORMAT || !isSha256(value.sha256 ?? '') || !Number.isSafeInteger(value.size))
      throw new Error('not a checkpoint manifest');
    return { status: 'ok' as const, manifest: value as RemoteCheckpoint };
  } catch (error) {
    return { status: 'damaged' as const, reason: `${remote.url}/${key}: ${(error as Error).message}` };
  }
}

export type CheckpointPush = { status: 'pushed'; bytes: number } | { status: 'unchanged' } | { status: 'none' };

/** Uploads the folder's verified checkpoint unless the remote's latest is the same. */
export async function pushCheckpoint(
  remote: ObjectStore,
  resumeKey: string,
  dir: string,
  signal?: AbortSignal,
): Promise<CheckpointPush> {
  const keys = keysOf(resumeKey);
  const local = await loadCheckpointBytes(dir);
  if (local.status !== 'ok') return { status: 'none' };
  const sha256 = createHash('sha256').update(local.bytes).digest('hex');
  const current = await remoteManifest(remote, keys.manifest, signal);
  if (current.status === 'ok' && current.manifest.sha256 === sha256) return { status: 'unchanged' };
  if (!(await remote.exists(keys.blob(sha256), signal)))
    await remote.put(keys.blob(sha256), local.bytes, local.bytes.byteLength, signal);
  const manifest: RemoteCheckpoint = { format: FORMAT, sha256, size: local.bytes.byteLength };
  const text = Buffer.from(`${JSON.stringify(manifest)}\n`);
  await remote.put(keys.manifest, text, text.byteLength, signal);
  return { status: 'pushed', bytes: local.bytes.byteLength };
}

export type CheckpointPull =
  { status: 'pulled'; bytes: number } | { status: 'none' } | { status: 'damaged'; reason: string };

/** Fills `dir` with the remote's latest checkpoint, checked; 'damaged' (never used) when it does not check out. */
export async function pullCheckpoint(
  remote: ObjectStore,
  resumeKey: string,
  dir: string,
  signal?: AbortSignal,
): Promise<CheckpointPull> {
  const keys = keysOf(resumeKey);
  const found = await remoteManifest(remote, keys.manifest, signal);
  if (found.status !== 'ok') return found;
  const { sha256, size } = found.manifest;
  const body = await remote.get(keys.blob(sha256), signal);
  const where = `${remote.url}/${keys.blob(sha256)}`;
  if (!body) return { status: 'damaged', reason: `${where} is missing` };
  const bytes = await readAll(body);
  if (bytes.byteLength !== size)
    return { status: 'damaged', reason: `${where} has ${bytes.byteLength} bytes, its manifest says ${size}` };
  if (createHash('sha256').update(bytes).digest('hex') !== sha256)
    return { status: 'damaged', reason: `${where} does not match its sha256` };
  await mkdir(dir, { recursive: true });
  await saveCheckpointBytes(dir, bytes);
  return { status: 'pulled', bytes: size };
}
