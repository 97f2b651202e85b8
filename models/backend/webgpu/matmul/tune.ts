// Per-device tuning: for each shape class, time the CANDIDATES on a representative product on this adapter and
// keep the fastest, all within a time cap; remembered in <cache>/machine/matmul-tuning.json when a cache root is
// given (`tfpipe run`), else in this process only (tests, benches). TFPIPE_MATMUL_CONFIG skips all of it.
import * as tf from '@tensorflow/tfjs-core';
import { CANDIDATES, DEFAULT_CONFIG, formatConfig, type MatMulConfig, parseConfig } from './config.ts';
import { matMulProblem, runTiledMatMul, type BackendWithPrograms } from './run.ts';
import { forcedConfig, setWinners } from './selection.ts';
import { settleGpu } from './settle.ts';
import { representative, SHAPE_CLASSES, type ShapeClass } from './shape-class.ts';
import { readTuningRecord, tuningKey, writeTuningRecord, type TuningRecord } from './tuning-record.ts';

export interface TuneOptions {
  /** The adapter, as the backend describes it ("nvidia-h200", "llvmpipe-… (software, on the CPU)"). */
  adapter: string;
  /** Where to remember the answer; none: this process only. */
  cacheRoot?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Time cap for all classes together. */
  budgetMs?: number;
  /** A line for the live view while timing ("tuning matmul for nvidia-h200 …"). */
  report?: (line: string) => void;
}

export interface TuneOutcome {
  /** 'forced' (TFPIPE_MATMUL_CONFIG), 'record' (a previous process's timing), 'timed' (this process's). */
  source: 'forced' | 'record' | 'timed';
  winners: Partial<Record<ShapeClass, string>>;
  /** Products timed by this call: 0 unless source is 'timed'. */
  timedRuns: number;
  tuningMs: number;
  record?: TuningRecord;
}

export const DEFAULT_BUDGET_MS = 3000;
const REPEATS = 3;

let inProcess: Promise<TuneOutcome> | null = null;

const toConfigs = (w: Partial<Record<ShapeClass, string>>) =>
  Object.fromEntries(Object.entries(w).map(([c, t]) => [c, parseConfig(t!, 'matmul tuning record')])) as Partial<
    Record<ShapeClass, MatMulConfig>
  >;

type Shape = ReturnType<typeof representative>;

/** Milliseconds per product of `config` on `shape` (after one untimed run: compiling). */
async function timeConfig(c: ShapeClass, shape: Shape, config: MatMulConfig): Promise<number> {
  const { batch, M, N, K } = shape;
  const [transposeA, transposeB] = [c[0] === 't', c[1] === 't'];
  const a = tf.randomUniform(transposeA ? [batch, K, M] : [batch, M, K], -1, 1);
  const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1);
  const backend = tf.backend() as unknown as BackendWithPrograms & { disposeData(id: object): void };
  const operands = { a, b, transposeA, transposeB, activation: 'linear' as const };
  const problem = matMulProblem(operands)!;
  const run = () => backend.disposeData(runTiledMatMul(backend, operands, problem, config).dataId);
  try {
    run();
    await settleGpu();
    const start = performance.now();
    for (let i = 0; i < REPEATS; i++) run();
    await settleGpu();
    return (performance.now() - start) / REPEATS;
  } finally {
    tf.dispose([a, b]);
  }
}

/** Products this fast are mostly launch overhead on a real GPU: the large classes grow until they take longer. */
const MIN_LARGE_MS = 1;
const MAX_LARGE_M = 4096;

/** The class's representative product, for a large class doubled (up to 4096 × 2048 × 4096) until it takes 1 ms. */
async function calibrate(c: ShapeClass): Promise<Shape> {
  let shape = representative(c);
  if (c.endsWith('small')) return shape;
  while (shape.M < MAX_LARGE_M && (await timeConfig(c, shape, DEFAULT_CONFIG)) < MIN_LARGE_MS)
    shape = { batch: 1, M: shape.M * 2, N: shape.N * 2, K: shape.K * 2 };
  return shape;
}

async function timeAll(options: TuneOptions): Promise<Omit<TuningRecord, 'key' | 'adapter' | 'tunedAt'>> {
  const budget = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const start = performance.now();
  const winners: TuningRecord['winners'] = {};
  const timings: TuningRecord['timings'] = {};
  const untimed: ShapeClass[] = [];
  const shapes: TuningRecord['shapes'] = {};
  for (const c of SHAPE_CLASSES) {
    if (performance.now() - start > budget) {
      untimed.push(c);
      continue;
    }
    const shape = await calibrate(c);
    shapes[c] = `${shape.batch}x${shape.M}x${shape.K}x${shape.N}`;
    const times: Record<string, number> = {};
    let best: [string, number] = [formatConfig(DEFAULT_CONFIG), Infinity];
    for (const config of CANDIDATES) {
      // a class that was started gets at least one timing, so every class in `timings` has a timed winner (the
      // calibration alone can use up the budget on a loaded machine)
      if (performance.now() - start > budget && Object.keys(times).length > 0) break;
      const ms = await timeConfig(c, shape, config);
      times[formatConfig(config)] = ms;
      if (ms < best[1]) best = [formatConfig(config), ms];
    }
    timings[c] = times;
    winners[c] = best[0];
  }
  return { winners, timings, shapes, untimed, tuningMs: Math.round(performance.now() - start) };
}

async function tune(options: TuneOptions): Promise<TuneOutcome> {
  const env = options.env ?? process.env;
  const forced = forcedConfig(env);
  if (forced) return { source: 'forced', winners: {}, timedRuns: 0, tuningMs: 0 };
  const key = tuningKey(options.adapter, env);
  const remembered = options.cacheRoot ? await readTuningRecord(options.cacheRoot, key) : null;
  if (remembered) {
    setWinners(toConfigs(remembered.winners));
    return { source: 'record', winners: remembered.winners, timedRuns: 0, tuningMs: 0, record: remembered };
  }
  options.report?.(`tuning matmul for ${options.adapter} …`);
  const timed = await timeAll(options);
  const record: TuningRecord = { key, adapter: options.adapter, ...timed, tunedAt: new Date().toISOString() };
  setWinners(toConfigs(record.winners));
  if (options.cacheRoot) await writeTuningRecord(options.cacheRoot, record);
  const timedRuns = Object.values(timed.timings).reduce((n, t) => n + Object.keys(t!).length * (REPEATS + 1), 0);
  return { source: 'timed', winners: record.winners, timedRuns, tuningMs: timed.tuningMs, record };
}

/**
 * Picks the configs for the active webgpu backend, once per process (later calls return the first answer). Throws
 * a one-line error naming TFPIPE_MATMUL_CONFIG when its value is malformed.
 */
export function tuneMatMul(options: TuneOptions): Promise<TuneOutcome> {
  inProcess ??= tune(options).catch((error: unknown) => {
    inProcess = null;
    throw error;
  });
  return inProcess;
}
