// Training checkpoints: everything fitModel (loop.ts) needs to continue bit-exactly, in one safetensors file per
// folder, committed by a manifest holding its sha256 and size (checkpoint-files.ts: a kill leaves either the old
// checkpoint or the new one, and a damaged one is found before anything of it is used):
//   <dir>/checkpoint.json, <dir>/checkpoint.<sha256[:16]>.safetensors
//     param.<name>   the parameters after the last finished step (model state_dict names)
//     optim.<key>    the optimizer state (Optimizer.saveState: step counts, moments, momentum buffers)
//     best.<name>    the parameters of the best epoch so far (only when the run keeps the best)
//     __metadata__.tfpipe_checkpoint: JSON CheckpointState (progress, history, running sums, compat)
// There is no generator state to save: every random draw of a run derives from (seed, epoch, batch), see loop.ts.
import { mkdir } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { parseSafetensors, serializeSafetensors, type NamedArray } from '../io/safetensors.ts';
import { loadCheckpointBytes, saveCheckpointBytes } from './checkpoint-files.ts';
import type { Optimizer, Params } from './optimizer.ts';

const STATE_KEY = 'tfpipe_checkpoint';
const FORMAT = 'tfpipe-checkpoint/1';

/** One epoch's row: epoch, train_loss, train_<sum>…, the evaluate() figures, seconds, samples_per_s. */
export type HistoryRow = Record<string, number>;

/** Running sums of an epoch's training batches. */
export interface EpochTally {
  /** Examples seen. */
  count: number;
  /** Σ batch mean loss × batch count. */
  lossSum: number;
  /** Σ of each per-batch sum the model reports (e.g. acc: correct predictions). */
  sums: Record<string, number>;
  /** Seconds spent training this epoch so far. */
  seconds: number;
}

export interface CheckpointState {
  format: typeof FORMAT;
  /** Whole epochs finished. */
  epochsDone: number;
  /** Batches of epoch epochsDone + 1 already trained (0 at an epoch boundary). */
  batchesDone: number;
  /** Optimizer steps taken so far (what lrAt sees). */
  step: number;
  history: HistoryRow[];
  best: { epoch: number; value: number } | null;
  /** The unfinished epoch's sums (mid-epoch checkpoints only). */
  partial: EpochTally | null;
  /** What must match for the checkpoint to continue a run (batch size, example count, …). */
  compat: Record<string, unknown>;
}

export interface LoadedCheckpoint {
  state: CheckpointState;
  params: Map<string, NamedArray>;
  optimizer: Map<string, NamedArray>;
  best: Map<string, NamedArray> | null;
}

export interface CheckpointContent {
  state: Omit<CheckpointState, 'format'>;
  params: Params;
  optimizer: Optimizer;
  /** Snapshot of the best epoch's parameters, by the same names as params. */
  best: Record<string, tf.Tensor> | null;
}

export async function writeCheckpoint(dir: string, content: CheckpointContent): Promise<void> {
  // every read is asynchronous (webgpu cannot read synchronously) and they all run at once; the entries keep the
  // order param.*, optim.*, best.*
  const [params, optimizer, best] = await Promise.all([
    readArrays('param.', content.params),
    content.optimizer.saveState(),
    content.best ? readArrays('best.', content.best) : {},
  ]);
  const tensors: Record<string, NamedArray> = { ...params };
  for (const [key, value] of Object.entries(optimizer)) tensors[`optim.${key}`] = value;
  Object.assign(tensors, best);
  const state: CheckpointState = { format: FORMAT, ...content.state };
  const bytes = serializeSafetensors(tensors, { [STATE_KEY]: JSON.stringify(state) });
  await mkdir(dir, { recursive: true });
  await saveCheckpointBytes(dir, bytes);
}

/** Named arrays of the tensors' values, keys prefixed, read back from the device. */
async function readArrays(prefix: string, values: Record<string, tf.Tensor>): Promise<Record<string, NamedArray>> {
  const read = await Promise.all(
    Object.entries(values).map(
      async ([name, t]) => [`${prefix}${name}`, { shape: t.shape, data: (await t.data()) as Float32Array }] as const,
    ),
  );
  return Object.fromEntries(read);
}

/** A checkpoint folder's content: none, a verified checkpoint, or a damaged one and why (failures are data). */
export type OpenedCheckpoint =
  { status: 'none' } | { status: 'ok'; checkpoint: LoadedCheckpoint } | { status: 'damaged'; reason: string };

/** The checkpoint in `dir`, its files verified against their manifest before they are parsed. */
export async function openCheckpoint(dir: string): Promise<OpenedCheckpoint> {
  const stored = await loadCheckpointBytes(dir);
  if (stored.status !== 'ok') return stored;
  let file: ReturnType<typeof parseSafetensors>;
  let state: CheckpointState | null;
  try {
    file = parseSafetensors(stored.bytes, stored.path);
    const raw = file.metadata[STATE_KEY];
    state = raw ? (JSON.parse(raw) as CheckpointState) : null;
  } catch (error) {
    return { status: 'damaged', reason: (error as Error).message };
  }
  if (!state || state.format !== FORMAT)
    return { status: 'damaged', reason: `${stored.path}: not a tfpipe training checkpoint (no ${FORMAT} metadata)` };
  const byPrefix = (prefix: string) =>
    new Map([...file.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const best = byPrefix('best.');
  return {
    status: 'ok',
    checkpoint: { state, params: byPrefix('param.'), optimizer: byPrefix('optim.'), best: best.size > 0 ? best : null },
  };
}

/** The checkpoint in `dir`, or null when there is none; a damaged one is an error that says why. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint | null> {
  const opened = await openCheckpoint(dir);
  if (opened.status === 'damaged') throw new Error(`the checkpoint in ${dir} is damaged: ${opened.reason}`);
  return opened.status === 'ok' ? opened.checkpoint : null;
}

/** Why stored arrays cannot fill `params` (a missing, extra or differently shaped entry), or null when they fit. */
export function mismatchWith(params: Params, stored: Map<string, NamedArray>): string | null {
  for (const [name, p] of Object.entries(params)) {
    const s = stored.get(name);
    if (!s) return `it has no ${name}`;
    if (s.shape.join(',') !== p.shape.join(',')) return `${name} is [${s.shape}] there, [${p.shape}] here`;
  }
  const extra = [...stored.keys()].find((k) => !Object.hasOwn(params, k));
  return extra ? `it has an unexpected ${extra}` : null;
}

/** Assigns stored arrays to the variables (shapes checked by mismatchWith first). */
export function assignParams(params: Params, stored: Map<string, NamedArray> | Record<string, tf.Tensor>): void {
  for (const [name, p] of Object.entries(params)) {
    const s = stored instanceof Map ? stored.get(name)! : stored[name];
    const value = s instanceof tf.Tensor ? s : tf.tensor(s.data, s.shape, 'float32');
    p.assign(value);
    if (value !== s) value.dispose();
  }
}

/** Kept copies of the parameters' current values (a best-epoch snapshot); dispose with tf.dispose. */
export function snapshotParams(params: Params): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(params).map(([name, p]) => [name, tf.keep(tf.clone(p))]));
}

/** Snapshot tensors from stored arrays. */
export function snapshotFromArrays(stored: Map<string, NamedArray>): Record<string, tf.Tensor> {
  return Object.fromEntries([...stored].map(([name, s]) => [name, tf.keep(tf.tensor(s.data, s.shape, 'float32'))]));
}

/** Compat values as the checkpoint stores them: keys sorted at every level, so equal content compares equal. */
export function canonicalCompat(compat: Record<string, unknown>): Record<string, unknown> {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return sort(compat) as Record<string, unknown>;
}

/** Why a stored checkpoint cannot continue this run, or null when it can. */
export function checkpointIssue(
  stored: LoadedCheckpoint,
  params: Params,
  compat: Record<string, unknown>,
  epochs: number,
  keepBest: boolean,
): string | null {
  const was = canonicalCompat(stored.state.compat ?? {});
  for (const key of new Set([...Object.keys(was), ...Object.keys(compat)])) {
    if (JSON.stringify(was[key]) !== JSON.stringify(compat[key]))
      return `it was written with ${key} ${JSON.stringify(was[key])}, this run has ${JSON.stringify(compat[key])}`;
  }
  const shapes = mismatchWith(params, stored.params);
  if (shapes) return `its weights differ (${shapes})`;
  const { epochsDone, batchesDone } = stored.state;
  if (epochsDone > epochs || (epochsDone === epochs && batchesDone > 0)) {
    return `it is at epoch ${epochsDone}${batchesDone > 0 ? ` batch ${batchesDone}` : ''}, past epochs ${epochs} (only the latest state is kept)`;
  }
  if (keepBest && epochsDone > 0 && !stored.best) return 'it kept no best-epoch weights';
  return null;
}
