// The model-agnostic training loop: epochs of shuffled batches, optional gradient accumulation, clipping and
// learning-rate schedule, evaluation after each epoch, best-epoch tracking, checkpoints, resume, progress, abort.
//
// Determinism: every random draw derives from (seed, epoch, batch): epoch e visits the examples in the permutation
// shuffleOrder(n, seed, e), and batch b of epoch e trains with dropout seed batchSeed(seed, e, b). So a checkpoint
// (weights, optimizer state, epochs/batches done, history) is all a resumed run needs to end bit-identical to an
// uninterrupted one: there is no generator state to carry.
//
// Resume: with `checkpoint.dir`, a checkpoint is written at every epoch end (and every `everySteps` optimizer
// steps). On start, a checkpoint whose compat matches is continued: "resuming at epoch 3 of 5". Raising `epochs`
// past a finished run's continues it; a checkpoint already past `epochs` cannot be rewound (only the latest state
// is kept), so training starts over, and says so. A checkpoint whose files fail their manifest's sha256 and size
// (checkpoint-files.ts) is damaged: it is set aside, said so, and training starts over.
//
// Host reads: nothing in a step waits on the device (clipping scales by a tensor coefficient). Each batch's loss
// and tensor sums stay on the device until a group of `readEvery` batches is read in one transfer (batch-reads.ts);
// the epoch tally, onStep and the progress it drives then catch up, batch by batch, in order. Checkpoints and
// epoch ends read first, so what they store is what a per-batch read would have stored.
import * as tf from '@tensorflow/tfjs-core';
import { defaultReadEvery, disposeFigures, readFigures } from './batch-reads.ts';
import { setAside } from './checkpoint-files.ts';
import { assignParams, canonicalCompat, checkpointIssue, openCheckpoint, snapshotFromArrays, snapshotParams, writeCheckpoint, type EpochTally, type HistoryRow } from './checkpoint.ts';
import { clipGradNorm } from './clip.ts';
import type { Grads, Optimizer, Params } from './optimizer.ts';
import { paramGrads } from './train-step.ts';

export type { HistoryRow } from './checkpoint.ts';

/** What a model reports for one batch. */
export interface BatchLoss {
  /** Mean loss over the batch: the scalar the loop differentiates. */
  loss: tf.Scalar;
  /** Examples in the batch (weights the epoch means). */
  count: number;
  /**
   * Per-batch sums the history shows as train_<name> = Σ sum / Σ count, e.g. {acc: correct predictions}. A sum may
   * be a scalar tensor (read back with the loss; no tf.keep needed, the loop keeps and disposes it).
   */
  sums?: Record<string, number | tf.Scalar>;
}

export interface StepInfo {
  epoch: number;
  /** Batch index in the epoch, 0-based, and the epoch's batch count. */
  batch: number;
  batches: number;
  /** Optimizer steps taken so far. */
  step: number;
  /** This batch's mean loss. */
  loss: number;
  /** The learning rate after this batch (the one its optimizer step used, when it took one). */
  lr: number;
  /** Running epoch figures: loss and each sum per example (e.g. {loss: 0.52, acc: 0.74}). */
  running: Record<string, number>;
  /**
   * This batch's share of the training time: the seconds since the previous read, split evenly over the batches read
   * together (on a GPU they are queued and finish at the read, so no single batch's time is known). Checkpoint saves
   * and evaluation are not counted. Sums over any run of batches give their throughput.
   */
  seconds: number;
}

export interface FitOptions<Batch> {
  params: Params;
  optimizer: Optimizer;
  /** Epochs to reach (a resumed run trains only the missing ones). */
  epochs: number;
  /** Training examples: rows 0..examples-1, handed to makeBatch in each epoch's order. */
  examples: number;
  batchSize: number;
  /** Visit the examples in a fresh permutation each epoch (default true); false: in row order. */
  shuffle?: boolean;
  seed: number;
  makeBatch(rows: Int32Array): Batch;
  /** Forward pass in training mode; called inside tf.variableGrads (don't dispose what it returns). */
  lossAndMetrics(batch: Batch, mode: { training: true; seed: number }): BatchLoss;
  /** Figures after each epoch, e.g. {valid_loss, valid_acc}; they join the epoch's history row. */
  evaluate?(epoch: number): Promise<Record<string, number>> | Record<string, number>;
  /** clip_grad_norm_ threshold (after accumulation, before the optimizer step). */
  maxGradNorm?: number;
  /** Micro-batches per optimizer step (default 1); gradients are averaged over them. */
  accumulate?: number;
  /**
   * Read the batches' losses and sums back from the device every this many batches (default: 1 on cpu, wasm and
   * tensorflow, where reading is free; GPU_READ_EVERY on GPU backends). onStep then comes for each batch at the read.
   */
  readEvery?: number;
  /** Learning rate of the optimizer step about to be taken (0-based step count); default: the optimizer's. */
  lrAt?(step: number): number;
  /** Track the best epoch by a history column and restore its weights at the end. */
  keepBest?: { metric: string; mode: 'min' | 'max' };
  checkpoint?: {
    dir: string;
    /** Also write a checkpoint every this many optimizer steps (mid-epoch resume). */
    everySteps?: number;
    /** Must equal the stored one for a checkpoint to be continued (e.g. model config); batch size, example count,
     *  shuffle and accumulate are always compared. */
    compat?: Record<string, unknown>;
  };
  signal?: AbortSignal;
  log?(message: string): void;
  /** Called once before training, with where a checkpoint resumed (optimizer steps included), or null. */
  onStart?(resumedFrom: { epochsDone: number; batchesDone: number; step: number } | null): void;
  onEpochStart?(epoch: number, batches: number, firstBatch: number): void;
  onStep?(info: StepInfo): void;
  onEpoch?(row: HistoryRow): void;
}

export interface FitResult {
  history: HistoryRow[];
  /** Epoch whose weights the params hold at the end with keepBest (else null). */
  bestEpoch: number | null;
  /** Epochs (and batches) a checkpoint had done when this call started; null when it started from scratch. */
  resumedFrom: { epochsDone: number; batchesDone: number } | null;
  /** Optimizer steps taken in all (including those before a resume). */
  steps: number;
}

/** A 32-bit seed from integers (murmur3's finaliser over each part). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Dropout seed of batch `batch` (0-based) of epoch `epoch` (1-based). */
export function batchSeed(seed: number, epoch: number, batch: number): number {
  return mixSeed(seed, epoch, batch, 0xd509);
}

/** The order epoch `epoch` visits n examples in: Fisher–Yates driven by mulberry32 seeded from (seed, epoch). */
export function shuffleOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let state = mixSeed(seed, epoch, 0x5348);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

interface LoopState {
  epochsDone: number;
  batchesDone: number;
  step: number;
  history: HistoryRow[];
  best: { epoch: number; value: number } | null;
  bestParams: Record<string, tf.Tensor> | null;
  partial: EpochTally | null;
}

export async function fitModel<Batch>(options: FitOptions<Batch>): Promise<FitResult> {
  const { params, optimizer, epochs, examples, batchSize, seed, signal } = options;
  const accumulate = options.accumulate ?? 1;
  const shuffle = options.shuffle ?? true;
  const readEvery = options.readEvery ?? defaultReadEvery();
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`fitModel: batchSize must be an integer ≥ 1 (got ${batchSize})`);
  if (!(Number.isInteger(accumulate) && accumulate >= 1)) throw new Error(`fitModel: accumulate must be an integer ≥ 1 (got ${accumulate})`);
  if (!(Number.isInteger(readEvery) && readEvery >= 1)) throw new Error(`fitModel: readEvery must be an integer ≥ 1 (got ${readEvery})`);
  if (examples < 1) throw new Error('fitModel: no training examples');
  const compat = canonicalCompat({ examples, batchSize, shuffle, accumulate, ...(options.checkpoint?.compat ?? {}) });
  const batches = Math.ceil(examples / batchSize);

  const state = await startState(options, compat);
  const resumedFrom = state.epochsDone > 0 || state.batchesDone > 0 ? { epochsDone: state.epochsDone, batchesDone: state.batchesDone } : null;
  options.onStart?.(resumedFrom ? { ...resumedFrom, step: state.step } : null);
  const save = async () => {
    if (!options.checkpoint) return;
    const { bestParams, ...rest } = state;
    await writeCheckpoint(options.checkpoint.dir, { state: { ...rest, compat }, params, optimizer, best: bestParams });
  };

  const unread: UnreadBatch[] = []; // batches trained whose figures are still on the device
  let pending: { grads: Grads; micro: number } | null = null; // gradients summed towards the next step
  try {
    for (let epoch = state.epochsDone + 1; epoch <= epochs; epoch++) {
      const order = shuffle ? shuffleOrder(examples, seed, epoch) : Int32Array.from({ length: examples }, (_, i) => i);
      const tally: EpochTally = state.partial ?? { count: 0, lossSum: 0, sums: {}, seconds: 0 };
      const firstBatch = state.batchesDone;
      options.onEpochStart?.(epoch, batches, firstBatch);
      let started = performance.now();
      let windowStarted = started; // since the last read (or checkpoint save)
      /** Reads the unread batches and adds them to the tally in order, calling onStep for each. */
      const catchUp = async () => {
        const read = await readFigures(unread.splice(0));
        const now = performance.now();
        const seconds = (now - windowStarted) / 1000 / Math.max(read.length, 1);
        windowStarted = now;
        for (const { count, loss, sums, info } of read) {
          tally.count += count;
          tally.lossSum += loss * count;
          for (const [k, v] of Object.entries(sums)) tally.sums[k] = (tally.sums[k] ?? 0) + v;
          const running = { loss: tally.lossSum / tally.count, ...perExample(tally) };
          options.onStep?.({ ...info, loss, running, seconds });
        }
      };
      for (let b = firstBatch; b < batches; b++) {
        await new Promise((resolve) => setImmediate(resolve)); // lets a SIGINT (and progress output) through
        signal?.throwIfAborted();
        const batch = options.makeBatch(order.subarray(b * batchSize, Math.min(examples, (b + 1) * batchSize)));
        const { loss, count, sums, grads } = forwardBackward(options, batch, batchSeed(seed, epoch, b));
        const trained: UnreadBatch = { loss, count, sums, info: { epoch, batch: b, batches, step: state.step, lr: options.optimizer.lr } };
        unread.push(trained); // before the step, so that a failing step disposes its tensors too
        pending = addGrads(pending, grads);
        if (pending.micro === accumulate || b === batches - 1) {
          applyStep(options, pending, state.step);
          pending = null;
          state.step += 1;
          Object.assign(trained.info, { step: state.step, lr: options.optimizer.lr });
        }
        const every = options.checkpoint?.everySteps;
        const checkpointNow = every !== undefined && pending === null && state.step % every === 0 && b < batches - 1;
        if (checkpointNow || unread.length >= readEvery || b === batches - 1) await catchUp();
        if (checkpointNow) {
          tally.seconds += (performance.now() - started) / 1000;
          started = performance.now();
          Object.assign(state, { batchesDone: b + 1, partial: tally });
          await save();
          windowStarted = performance.now();
        }
      }
      tally.seconds += (performance.now() - started) / 1000;
      const evalStarted = performance.now();
      const figures = (await options.evaluate?.(epoch)) ?? {};
      const row: HistoryRow = {
        epoch,
        train_loss: tally.lossSum / tally.count,
        ...prefixed('train_', perExample(tally)),
        ...figures,
        seconds: tally.seconds + (performance.now() - evalStarted) / 1000,
        samples_per_s: tally.count / Math.max(tally.seconds, 1e-9),
      };
      state.history.push(row);
      trackBest(options, state, row);
      Object.assign(state, { epochsDone: epoch, batchesDone: 0, partial: null });
      await save();
      options.onEpoch?.(row);
    }
    let bestEpoch: number | null = null;
    if (options.keepBest && state.best && state.bestParams) {
      assignParams(params, state.bestParams);
      bestEpoch = state.best.epoch;
    }
    return { history: state.history, bestEpoch, resumedFrom, steps: state.step };
  } finally {
    disposeFigures(unread);
    if (pending) tf.dispose(pending.grads); // an abort between the micro-batches of a step
    if (state.bestParams) tf.dispose(state.bestParams);
  }
}

/** From the checkpoint when there is a usable one (its weights and optimizer state loaded), else from scratch. */
async function startState<Batch>(options: FitOptions<Batch>, compat: Record<string, unknown>): Promise<LoopState> {
  const fresh: LoopState = { epochsDone: 0, batchesDone: 0, step: 0, history: [], best: null, bestParams: null, partial: null };
  if (!options.checkpoint) return fresh;
  const log = options.log ?? (() => {});
  const opened = await openCheckpoint(options.checkpoint.dir);
  if (opened.status === 'none') return fresh;
  if (opened.status === 'damaged') {
    // never resumed from, never deleted: kept aside for a look, and the next save starts a fresh folder
    const aside = await setAside(options.checkpoint.dir);
    log(`the checkpoint is damaged (${opened.reason}); set aside as ${aside}; training from scratch`);
    return fresh;
  }
  const stored = opened.checkpoint;
  const issue = checkpointIssue(stored, options.params, compat, options.epochs, options.keepBest !== undefined);
  if (issue) {
    log(`not resuming from the checkpoint: ${issue}; training from scratch`);
    return fresh;
  }
  const s = stored.state;
  assignParams(options.params, stored.params);
  options.optimizer.loadState(stored.optimizer);
  const at = s.batchesDone > 0 ? `, batch ${s.batchesDone + 1}` : '';
  if (s.epochsDone >= options.epochs) log(`checkpoint already holds all ${options.epochs} epochs; using it (from checkpoint)`);
  else log(`resuming at epoch ${s.epochsDone + 1} of ${options.epochs}${at} (from checkpoint)`);
  return {
    epochsDone: s.epochsDone,
    batchesDone: s.batchesDone,
    step: s.step,
    history: s.history,
    best: s.best,
    bestParams: options.keepBest && stored.best ? snapshotFromArrays(stored.best) : null,
    partial: s.partial,
  };
}

/** A trained batch whose loss and tensor sums are not read yet. */
interface UnreadBatch {
  loss: tf.Scalar;
  count: number;
  sums: Record<string, number | tf.Scalar>;
  info: Omit<StepInfo, 'loss' | 'running' | 'seconds'>;
}

/** One micro-batch: loss and tensor sums (kept, on the device), and gradients; the caller owns all of them. */
function forwardBackward<Batch>(options: FitOptions<Batch>, batch: Batch, seed: number): { loss: tf.Scalar; count: number; sums: Record<string, number | tf.Scalar>; grads: Grads } {
  let out: BatchLoss | undefined;
  const kept: tf.Tensor[] = [];
  try {
    const { value, grads } = paramGrads(options.params, () => {
      out = options.lossAndMetrics(batch, { training: true, seed });
      // variableGrads runs this in a tidy that disposes every tensor but the loss: keep the tensor sums
      for (const v of Object.values(out.sums ?? {})) if (v instanceof tf.Tensor) kept.push(tf.keep(v));
      return out.loss;
    });
    return { loss: value, count: out!.count, sums: out!.sums ?? {}, grads };
  } catch (error) {
    tf.dispose(kept);
    throw error;
  }
}

/** Sums gradients over micro-batches, disposing what it replaces. */
function addGrads(pending: { grads: Grads; micro: number } | null, grads: Grads): { grads: Grads; micro: number } {
  if (!pending) return { grads, micro: 1 };
  for (const [name, g] of Object.entries(grads)) {
    const old = pending.grads[name];
    pending.grads[name] = old ? tf.add(old, g) : g;
    if (old) {
      old.dispose();
      g.dispose();
    }
  }
  return { grads: pending.grads, micro: pending.micro + 1 };
}

/** Averages accumulated gradients, clips, sets the scheduled lr, steps, and disposes the gradients. */
function applyStep<Batch>(options: FitOptions<Batch>, pending: { grads: Grads; micro: number }, step: number): void {
  const { grads } = pending;
  try {
    if (pending.micro > 1) {
      for (const name of Object.keys(grads)) {
        const mean = tf.div(grads[name], pending.micro);
        grads[name].dispose();
        grads[name] = mean;
      }
    }
    if (options.maxGradNorm !== undefined) clipGradNorm(grads, options.maxGradNorm).dispose(); // the norm is not reported
    if (options.lrAt) options.optimizer.lr = options.lrAt(step);
    options.optimizer.step(options.params, grads);
  } finally {
    tf.dispose(grads);
  }
}

function trackBest<Batch>(options: FitOptions<Batch>, state: LoopState, row: HistoryRow): void {
  const rule = options.keepBest;
  if (!rule) return;
  const value = row[rule.metric];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`keep best by ${rule.metric}: epoch ${row.epoch} has no such figure (it has ${Object.keys(row).join(', ')})`);
  const better = !state.best || (rule.mode === 'min' ? value < state.best.value : value > state.best.value);
  if (!better) return;
  state.best = { epoch: row.epoch, value };
  if (state.bestParams) tf.dispose(state.bestParams);
  state.bestParams = snapshotParams(options.params);
}

function perExample(tally: EpochTally): Record<string, number> {
  return Object.fromEntries(Object.entries(tally.sums).map(([k, v]) => [k, v / tally.count]));
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
}
