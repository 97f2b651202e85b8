// The model-agnostic training loop: epochs of shuffled batches, optional gradient accumulation, clipping and
// learning-rate schedule, evaluation after each epoch, best-epoch tracking, checkpoints, resume, progress, abort.
//
// Determinism: every random draw derives from (seed, epoch, batch) (seeds.ts): epoch e visits the examples in the
// permutation shuffleOrder(n, seed, e), and batch b of epoch e trains with dropout seed batchSeed(seed, e, b). So a
// checkpoint (weights, optimizer state, epochs/batches done, history) is all a resumed run needs to end
// bit-identical to an uninterrupted one: there is no generator state to carry.
//
// Resume: with `checkpoint.dir`, a checkpoint is written at every epoch end (and every `everySteps` optimizer
// steps). On start, a checkpoint whose compat matches is continued: "resuming at epoch 3 of 5". Raising `epochs`
// past a finished run's continues it; a checkpoint already past `epochs` cannot be rewound (only the latest state
// is kept), so training starts over, and says so. A checkpoint whose files fail their manifest's sha256 and size
// (checkpoint-files.ts) is damaged: it is set aside, said so, and training starts over.
//
// Steps: the batches of each optimizer step (`accumulate` of them, fewer at an epoch's end) are made, then trained
// by step.ts' trainStep, the step the parity tests and benches also run. An abort is seen between steps.
//
// Host reads: nothing in a step waits on the device (clipping scales by a tensor coefficient). Each batch's loss
// and tensor sums stay on the device until a group of `readEvery` batches is read in one transfer (batch-reads.ts);
// the epoch tally, onStep and the progress it drives then catch up, batch by batch, in order. Checkpoints and
// epoch ends read first, so what they store is what a per-batch read would have stored.
import * as tf from '@tensorflow/tfjs-core';
import { defaultReadEvery, disposeFigures, readFigures } from './batch-reads.ts';
import { setAside } from './checkpoint-files.ts';
import {
  assignParams,
  canonicalCompat,
  checkpointIssue,
  openCheckpoint,
  snapshotFromArrays,
  snapshotParams,
  writeCheckpoint,
  type EpochTally,
  type HistoryRow,
} from './checkpoint.ts';
import type { Optimizer } from './optimizer.ts';
import { batchSeed, shuffleOrder } from './seeds.ts';
import { trainStep, type MicroBatch, type StepFigures, type TrainableModel } from './step.ts';

export type { HistoryRow } from './checkpoint.ts';

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

/** The model (params and lossAndMetrics, step.ts' contract), the data and how to train on it. */
export interface FitOptions<Batch> extends TrainableModel<Batch> {
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
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`fitModel: batchSize must be an integer ≥ 1 (got ${batchSize})`);
  if (!(Number.isInteger(accumulate) && accumulate >= 1))
    throw new Error(`fitModel: accumulate must be an integer ≥ 1 (got ${accumulate})`);
  if (!(Number.isInteger(readEvery) && readEvery >= 1))
    throw new Error(`fitModel: readEvery must be an integer ≥ 1 (got ${readEvery})`);
  if (examples < 1) throw new Error('fitModel: no training examples');
  const compat = canonicalCompat({ examples, batchSize, shuffle, accumulate, ...(options.checkpoint?.compat ?? {}) });
  const batches = Math.ceil(examples / batchSize);

  const state = await startState(options, compat);
  const resumedFrom =
    state.epochsDone > 0 || state.batchesDone > 0
      ? { epochsDone: state.epochsDone, batchesDone: state.batchesDone }
      : null;
  options.onStart?.(resumedFrom ? { ...resumedFrom, step: state.step } : null);
  const save = async () => {
    if (!options.checkpoint) return;
    const { bestParams, ...rest } = state;
    await writeCheckpoint(options.checkpoint.dir, { state: { ...rest, compat }, params, optimizer, best: bestParams });
  };

  const unread: UnreadBatch[] = []; // batches trained whose figures are still on the device
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
      // each pass is one optimizer step over batches first..end-1 (steps, and so checkpoints, end at these bounds)
      for (let first = firstBatch, end = 0; first < batches; first = end) {
        await new Promise((resolve) => setImmediate(resolve)); // lets a SIGINT (and progress output) through
        signal?.throwIfAborted();
        end = Math.min(first + accumulate, batches);
        const micro: MicroBatch<Batch>[] = [];
        for (let b = first; b < end; b++) {
          micro.push({
            batch: options.makeBatch(order.subarray(b * batchSize, Math.min(examples, (b + 1) * batchSize))),
            seed: batchSeed(seed, epoch, b),
          });
        }
        const lrBefore = optimizer.lr;
        const trained = trainStep(options, micro, optimizer, {
          maxGradNorm: options.maxGradNorm,
          lr: options.lrAt?.(state.step),
        });
        state.step += 1;
        // the last batch reports the step it completed and its lr; the ones accumulated before it, those before
        trained.forEach((figures, k) => {
          const last = k === trained.length - 1;
          unread.push({
            ...figures,
            info: {
              epoch,
              batch: first + k,
              batches,
              step: last ? state.step : state.step - 1,
              lr: last ? optimizer.lr : lrBefore,
            },
          });
        });
        const every = options.checkpoint?.everySteps;
        const checkpointNow = every !== undefined && state.step % every === 0 && end < batches;
        if (checkpointNow || unread.length >= readEvery || end === batches) await catchUp();
        if (checkpointNow) {
          tally.seconds += (performance.now() - started) / 1000;
          started = performance.now();
          Object.assign(state, { batchesDone: end, partial: tally });
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
    if (state.bestParams) tf.dispose(state.bestParams);
  }
}

/** From the checkpoint when there is a usable one (its weights and optimizer state loaded), else from scratch. */
async function startState<Batch>(options: FitOptions<Batch>, compat: Record<string, unknown>): Promise<LoopState> {
  const fresh: LoopState = {
    epochsDone: 0,
    batchesDone: 0,
    step: 0,
    history: [],
    best: null,
    bestParams: null,
    partial: null,
  };
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
  if (s.epochsDone >= options.epochs)
    log(`checkpoint already holds all ${options.epochs} epochs; using it (from checkpoint)`);
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
interface UnreadBatch extends StepFigures {
  info: Omit<StepInfo, 'loss' | 'running' | 'seconds'>;
}

function trackBest<Batch>(options: FitOptions<Batch>, state: LoopState, row: HistoryRow): void {
  const rule = options.keepBest;
  if (!rule) return;
  const value = row[rule.metric];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(
      `keep best by ${rule.metric}: epoch ${row.epoch} has no such figure (it has ${Object.keys(row).join(', ')})`,
    );
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
