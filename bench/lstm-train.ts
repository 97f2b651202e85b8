// Benchmark: training (and inference) samples/s of the seed's LSTM classifier on the wasm backend, against the
// PyTorch peer (bench/peers/lstm_train.py, packed sequences, Adam, 2 threads) measured in the same run.
// Batch 96 × up to 256 tokens, vocab 20k, embedding 128, hidden 128, 1 layer; uni and bidirectional;
// "full" (all sequences 256 tokens) and "varied" (lengths uniform in 30..256, as IMDB reviews vary).
// usage: node --import tsx bench/lstm-train.ts [--steps N] [--only uni-full,bi-varied,...] [--no-peer]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../models/backend/select.ts';
import { createLstmClassifier, disposeLstm, forwardLstm } from '../models/lstm/model.ts';
import { lstmTrainable } from '../models/lstm/trainable.ts';
import { createOptimizer } from '../models/train/create-optimizer.ts';
import { disposeFigures } from '../models/train/batch-reads.ts';
import { trainStep } from '../models/train/step.ts';

const PYTHON = '/usr/bin/python3';
const B = 96;
const T = 256;
const VOCAB = 20000;
const argOf = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const steps = Number(argOf('--steps')) || 2;
const only = argOf('--only')?.split(',');
const withPeer = !process.argv.includes('--no-peer');

/** mulberry32, so the varied lengths are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rates {
  train: number;
  infer: number;
}

function runOurs(bidirectional: boolean, lengths: number[]): Rates {
  const next = rng(1);
  const ids = new Int32Array(B * T);
  lengths.forEach((len, b) => {
    for (let t = 0; t < len; t++) ids[b * T + t] = 1 + Math.floor(next() * (VOCAB - 1));
  });
  const batch = { ids, lengths, width: T, labels: lengths.map((_, b) => b % 2) };
  const model = createLstmClassifier(
    {
      vocabSize: VOCAB,
      embeddingDim: 128,
      hiddenDim: 128,
      outputDim: 2,
      nLayers: 1,
      bidirectional,
      dropout: 0,
      padIndex: 0,
    },
    1,
  );
  const optimizer = createOptimizer({ name: 'adam', lr: 1e-3 });
  const trainable = lstmTrainable(model);
  /** fitModel's step, its loss and correct count read back (wasm computes synchronously) as fitModel reads them there. */
  const step = () => {
    const figures = trainStep(trainable, [{ batch, seed: 1 }], optimizer);
    figures[0].loss.dataSync();
    disposeFigures(figures);
  };
  step(); // warm-up
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const trainS = (performance.now() - t0) / 1000 / steps;
  tf.tidy(() => forwardLstm(model, batch)).dispose();
  t0 = performance.now();
  for (let i = 0; i < steps; i++) tf.tidy(() => forwardLstm(model, batch)).dataSync();
  const inferS = (performance.now() - t0) / 1000 / steps;
  optimizer.dispose();
  disposeLstm(model);
  return { train: B / trainS, infer: B / inferS };
}

function runPeer(bidirectional: boolean, lengths: number[]): Rates | string {
  const args = [
    join(import.meta.dirname, 'peers/lstm_train.py'),
    '--lengths',
    lengths.join(','),
    '--steps',
    String(steps),
  ];
  if (bidirectional) args.push('--bidirectional');
  const peer = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (peer.error) return `peer not run: ${peer.error.message}`;
  if (peer.status !== 0) return `peer failed: ${peer.stderr.trim().split('\n').at(-1)}`;
  const out = JSON.parse(peer.stdout) as { train_samples_per_s: number; infer_samples_per_s: number };
  return { train: out.train_samples_per_s, infer: out.infer_samples_per_s };
}

const selected = await selectBackend('wasm');
const next = rng(7);
const varied = Array.from({ length: B }, () => 30 + Math.floor(next() * (T - 30 + 1)));
varied[0] = T;
const configs = [
  { name: 'uni-full', bidirectional: false, lengths: new Array(B).fill(T) },
  { name: 'uni-varied', bidirectional: false, lengths: varied },
  { name: 'bi-full', bidirectional: true, lengths: new Array(B).fill(T) },
  { name: 'bi-varied', bidirectional: true, lengths: varied },
].filter((c) => !only || only.includes(c.name));

console.log(
  `LSTM classifier, batch ${B} × ≤${T} tokens, vocab ${VOCAB}, emb 128, hidden 128, 1 layer, Adam; tfpipe on ${selected.name} (${selected.device}); ${steps} timed steps after 1 warm-up`,
);
console.log('config       tfpipe train/s  torch train/s  ratio   tfpipe infer/s  torch infer/s  ratio');
const fmt = (v: number, w = 14) => v.toFixed(1).padStart(w);
for (const c of configs) {
  const ours = runOurs(c.bidirectional, c.lengths);
  const peer = withPeer ? runPeer(c.bidirectional, c.lengths) : 'peer skipped';
  if (typeof peer === 'string') {
    console.log(`${c.name.padEnd(12)}${fmt(ours.train)}  ${peer.padStart(14)}          ${fmt(ours.infer)}`);
    continue;
  }
  console.log(
    `${c.name.padEnd(12)}${fmt(ours.train)} ${fmt(peer.train)} ${fmt(ours.train / peer.train, 6)}  ${fmt(ours.infer)} ${fmt(peer.infer)} ${fmt(ours.infer / peer.infer, 6)}`,
  );
}
