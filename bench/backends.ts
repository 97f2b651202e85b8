// Benchmark: every backend available here, side by side in one run, with ratios to wasm (the CPU default):
// matmul GFLOP/s at 1024² and 2048², one lab-1 training step (LSTM classifier, Adam) and one lab-2 training step
// (GPT-2, AdamW). On a CPU-only machine webgpu is Mesa's lavapipe (Vulkan on the CPU): correctness, not speed.
// Sizes are lab 1's and lab 2's layer widths with shorter batches, so the slow backends finish in minutes.
// The plain-JS cpu backend is left out unless named (--only cpu,wasm): its lab-2 step alone takes over 7 minutes.
// usage: node --import tsx bench/backends.ts [--only cpu,wasm,webgpu] [--lstm B,T] [--gpt2 B,T,layers,embd] [--min-seconds S]
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../models/backend/select.ts';
import { findTfjsNode } from '../models/backend/tensorflow.ts';
import { probeWebGpuAdapter } from '../models/backend/webgpu/probe.ts';
import { createLstmClassifier, disposeLstm } from '../models/lstm/model.ts';
import { lstmTrainable } from '../models/lstm/trainable.ts';
import { createGpt2 } from '../models/gpt2/load.ts';
import { disposeGpt2Model } from '../models/gpt2/model.ts';
import { gpt2Batch } from '../models/gpt2/batch.ts';
import { gpt2Trainable } from '../models/gpt2/trainable.ts';
import { disposeFigures } from '../models/train/batch-reads.ts';
import { createOptimizer } from '../models/train/create-optimizer.ts';
import { trainStep, type TrainableModel } from '../models/train/step.ts';
import type { Optimizer } from '../models/train/optimizer.ts';

const argOf = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const numbers = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const [LSTM_B, LSTM_T] = numbers(argOf('--lstm'), [32, 64]);
const [GPT_B, GPT_T, GPT_LAYERS, GPT_EMBD] = numbers(argOf('--gpt2'), [2, 128, 2, 256]);
const MIN_SECONDS = Number(argOf('--min-seconds') ?? 2);
const only = argOf('--only')?.split(',');

/** Repeats `once` (after one warm-up) until MIN_SECONDS have passed, at least once; seconds per call. */
async function timeIt(once: () => Promise<void>): Promise<number> {
  await once();
  let n = 0;
  const t0 = performance.now();
  do {
    await once();
    n++;
  } while (performance.now() - t0 < MIN_SECONDS * 1000 && n < 20);
  return (performance.now() - t0) / 1000 / n;
}

/** fitModel's training step, its loss read asynchronously (webgpu cannot read synchronously in Node). */
async function step<B>(model: TrainableModel<B>, batch: B, optimizer: Optimizer): Promise<void> {
  const figures = trainStep(model, [{ batch, seed: 1 }], optimizer);
  try {
    await figures[0].loss.data();
  } finally {
    disposeFigures(figures);
  }
}

async function matmulGflops(n: number): Promise<number> {
  const [a, b] = [tf.randomNormal([n, n], 0, 1, 'float32', 1), tf.randomNormal([n, n], 0, 1, 'float32', 2)];
  const seconds = await timeIt(async () => {
    const s = tf.tidy(() => tf.sum(tf.matMul(a, b)));
    await s.data();
    s.dispose();
  });
  tf.dispose([a, b]);
  return (2 * n ** 3) / seconds / 1e9;
}

async function lab1Step(): Promise<number> {
  const vocab = 20000;
  const ids = Int32Array.from({ length: LSTM_B * LSTM_T }, (_, i) => 1 + ((i * 7919) % (vocab - 1)));
  const batch = {
    ids,
    lengths: Array.from({ length: LSTM_B }, (_, b) => LSTM_T - (b % 8) * Math.floor(LSTM_T / 16)),
    width: LSTM_T,
    labels: Array.from({ length: LSTM_B }, (_, b) => b % 2),
  };
  const model = createLstmClassifier(
    {
      vocabSize: vocab,
      embeddingDim: 128,
      hiddenDim: 128,
      outputDim: 2,
      nLayers: 1,
      bidirectional: true,
      dropout: 0.5,
      padIndex: 0,
    },
    1,
  );
  const optimizer = createOptimizer({ name: 'adam', lr: 1e-3 });
  const seconds = await timeIt(() => step(lstmTrainable(model), batch, optimizer));
  optimizer.dispose();
  disposeLstm(model);
  return seconds;
}

async function lab2Step(): Promise<number> {
  const model = createGpt2(
    { n_layer: GPT_LAYERS, n_head: GPT_EMBD / 64, n_embd: GPT_EMBD, n_positions: Math.max(GPT_T, 128) },
    1,
  );
  const ids = Array.from({ length: GPT_B }, (_, b) =>
    Array.from({ length: GPT_T }, (_, t) => (b * 1009 + t * 7919) % 50257),
  );
  const optimizer = createOptimizer({ name: 'adamw', lr: 1e-4, eps: 1e-8, weightDecay: 0.01 });
  const seconds = await timeIt(() => step(gpt2Trainable(model), gpt2Batch(ids), optimizer));
  optimizer.dispose();
  disposeGpt2Model(model);
  return seconds;
}

async function availableHere(): Promise<BackendName[]> {
  const names: BackendName[] = ['cpu', 'wasm'];
  const probe = await probeWebGpuAdapter();
  if (probe.found) names.push('webgpu');
  else console.log(`webgpu: not measured (${probe.reason})`);
  if (findTfjsNode()) names.push('tensorflow');
  else console.log('tensorflow: not measured (@tensorflow/tfjs-node(-gpu) not installed)');
  if (!only) console.log('cpu: not measured unless named with --only (minutes per step)');
  return only ? names.filter((n) => only.includes(n)) : names.filter((n) => n !== 'cpu');
}

interface Row {
  label: string;
  unit: string;
  /** Higher is better (rates) or lower is better (times): decides the ratio's direction. */
  higherIsBetter: boolean;
  values: Map<BackendName, number>;
}

const rows: Row[] = [
  { label: 'matmul 1024²', unit: 'GFLOP/s', higherIsBetter: true, values: new Map() },
  { label: 'matmul 2048²', unit: 'GFLOP/s', higherIsBetter: true, values: new Map() },
  {
    label: `lab 1 step: biLSTM 128/128, batch ${LSTM_B} × ${LSTM_T}, Adam`,
    unit: 's',
    higherIsBetter: false,
    values: new Map(),
  },
  {
    label: `lab 2 step: GPT-2 ${GPT_LAYERS}×${GPT_EMBD}, batch ${GPT_B} × ${GPT_T}, AdamW`,
    unit: 's',
    higherIsBetter: false,
    values: new Map(),
  },
];

const backends = await availableHere();
const devices = new Map<BackendName, string>();
for (const name of backends) {
  const { device } = await selectBackend(name);
  devices.set(name, device);
  console.log(`${name}: ${device}`);
  rows[0].values.set(name, await matmulGflops(1024));
  rows[1].values.set(name, await matmulGflops(2048));
  rows[2].values.set(name, await lab1Step());
  rows[3].values.set(name, await lab2Step());
  console.log(`  ${rows.map((r) => `${r.label.split(':')[0]} ${format(r.values.get(name)!)} ${r.unit}`).join(' · ')}`);
}

function format(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const header = ['', ...backends.flatMap((b) => [b, b === 'wasm' ? '' : '÷ wasm'])];
const table = [
  header,
  ...rows.map((r) => [
    `${r.label} (${r.unit})`,
    ...backends.flatMap((b) => {
      const v = r.values.get(b)!;
      const base = r.values.get('wasm');
      const ratio = base === undefined || b === 'wasm' ? '' : `${format(r.higherIsBetter ? v / base : base / v)}×`;
      return [format(v), ratio];
    }),
  ]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log(
  `\nside by side (ratio > 1: faster than wasm); devices: ${[...devices].map(([b, d]) => `${b} = ${d}`).join('; ')}`,
);
for (const row of table)
  console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
