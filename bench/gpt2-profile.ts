// Benchmark: where a GPT-2 training step's time goes on wasm, per tfjs kernel (self time, summed and sorted), with
// each matmul shape's GFLOP/s beside PyTorch's sgemm (OpenBLAS, 2 threads) at the same shape and torch.profiler's
// per-op table of the same step (bench/peers/gpt2_train.py --profile), full fine-tuning and LoRA, in one run.
// The last lines bound the step: matmul time alone, and the best tokens/s wasm's matmul allows if all else were free.
// Sizes as bench/gpt2-train.ts (default lab2-offline's model, batch 8 × 64); --gpt2 is the 124M model at batch 1 ×
// 128 (--batch N to change it). Findings, figures and what it would take to pass PyTorch: bench/README.md.
// usage: node --import tsx bench/gpt2-profile.ts [--steps N] [--gpt2] [--batch N] [--no-peer]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../models/backend/select.ts';
import { GPT2_SIZE, makeGpt2Step, SMALL_SIZE, type Gpt2BenchSize } from './lib/gpt2-step.ts';
import { profileKernels, type KernelTotal, type MatMulTotal } from './lib/kernel-profile.ts';

const argOf = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const steps = Number(argOf('--steps')) || 2;
const gpt2 = process.argv.includes('--gpt2');
const size: Gpt2BenchSize = { ...(gpt2 ? GPT2_SIZE : SMALL_SIZE), ...(gpt2 ? { B: 1 } : {}) };
if (argOf('--batch')) size.B = Number(argOf('--batch'));
const withPeer = !process.argv.includes('--no-peer');
const PEER_THREADS = 2;

interface StepProfile {
  mode: 'full' | 'lora';
  stepMs: number;
  kernels: KernelTotal[];
  matmuls: MatMulTotal[];
}

function profileStep(mode: 'full' | 'lora'): StepProfile {
  const step = makeGpt2Step(size, mode === 'lora');
  const warmStart = performance.now();
  step.run(1); // warm-up
  console.error(`${mode}: warm-up step ${(performance.now() - warmStart).toFixed(0)} ms; profiling ${steps} steps`);
  const profile = profileKernels(tf.getBackend());
  const start = performance.now();
  for (let i = 0; i < steps; i++) step.run(i + 2);
  const stepMs = (performance.now() - start) / steps;
  profile.stop();
  step.dispose();
  return { mode, stepMs, kernels: profile.kernels(), matmuls: profile.matmuls() };
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`.padStart(6);
const gflops = (flops: number, ms: number) => flops / ms / 1e6;

function printProfile({ mode, stepMs, kernels, matmuls }: StepProfile, peerGflops: Map<string, number>): void {
  const tokens = size.B * size.T;
  const kernelMs = kernels.reduce((s, k) => s + k.ms, 0) / steps;
  console.log(`\n${mode}: ${stepMs.toFixed(1)} ms/step (${((1000 * tokens) / stepMs).toFixed(0)} tokens/s, profiled)`);
  console.log(`  ${'kernel'.padEnd(28)} ${'calls'.padStart(6)} ${'ms/step'.padStart(9)} ${'of step'.padStart(7)}`);
  for (const k of kernels.filter((k) => k.ms / steps >= 0.005 * stepMs))
    console.log(
      `  ${k.name.padEnd(28)} ${String(k.calls / steps).padStart(6)} ${(k.ms / steps).toFixed(2).padStart(9)} ${pct(k.ms / steps, stepMs)}`,
    );
  console.log(
    `  ${'outside kernels (JS, tape)'.padEnd(28)} ${''.padStart(6)} ${(stepMs - kernelMs).toFixed(2).padStart(9)} ${pct(stepMs - kernelMs, stepMs)}`,
  );
  console.log(`  matmuls by shape (inclusive of K blocking)   calls  ms/step  GFLOP/s  PyTorch GFLOP/s`);
  let matmulMs = 0;
  let matmulFlops = 0;
  let peerMs = 0;
  for (const m of matmuls) {
    const ms = m.ms / steps;
    matmulMs += ms;
    matmulFlops += m.flops / steps;
    const theirs = peerGflops.get(shapeKey(m.shape));
    if (theirs) peerMs += m.flops / steps / theirs / 1e6;
    console.log(
      `  ${m.key.padEnd(44)} ${String(m.calls / steps).padStart(5)} ${ms.toFixed(2).padStart(8)} ${gflops(m.flops, m.ms).toFixed(1).padStart(8)} ${theirs ? theirs.toFixed(1).padStart(16) : ''}`,
    );
  }
  const best = (ms: number) => ((1000 * tokens) / ms).toFixed(0);
  console.log(
    `  matmul: ${matmulMs.toFixed(1)} ms/step, ${pct(matmulMs, stepMs).trim()} of the step, ${gflops(matmulFlops, matmulMs).toFixed(1)} GFLOP/s over ${(matmulFlops / 1e9).toFixed(2)} GFLOP`,
  );
  console.log(`  bound: wasm's matmul alone allows ${best(matmulMs)} tokens/s (everything else free)`);
  if (peerMs > 0)
    console.log(
      `  the same products at PyTorch's sgemm GFLOP/s: ${peerMs.toFixed(1)} ms/step, ${best(peerMs)} tokens/s bound`,
    );
}

function shapeKey(s: MatMulTotal['shape']): string {
  return JSON.stringify([s.batch, s.M, s.N, s.K, s.transposeA, s.transposeB]);
}

/** PyTorch's GFLOP/s at each distinct shape, or a reason it could not be measured. */
function peerSgemm(shapes: MatMulTotal['shape'][]): Map<string, number> | string {
  const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'peers/sgemm.py'), String(PEER_THREADS)], {
    input: JSON.stringify(shapes),
    encoding: 'utf8',
  });
  if (run.status !== 0) return run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
  const figures = JSON.parse(run.stdout.trim().split('\n').pop()!) as number[];
  return new Map(shapes.map((s, i) => [shapeKey(s), figures[i]]));
}

const backend = await selectBackend('wasm');
const profiles = [profileStep('full'), profileStep('lora')];
console.log(
  `GPT-2 n_layer ${size.n_layer} n_embd ${size.n_embd}, batch ${size.B} × ${size.T}, ${backend.name} (${backend.device}), ${steps} steps each; tensors left ${tf.memory().numTensors}`,
);
let peer = new Map<string, number>();
if (withPeer) {
  const shapes = new Map(profiles.flatMap((p) => p.matmuls.map((m) => [shapeKey(m.shape), m.shape] as const)));
  const result = peerSgemm([...shapes.values()]);
  if (typeof result === 'string') console.log(`PyTorch sgemm peer skipped: ${result}`);
  else peer = result;
}
for (const profile of profiles) printProfile(profile, peer);
if (withPeer) {
  const run = spawnSync(
    '/usr/bin/python3',
    [
      join(import.meta.dirname, 'peers/gpt2_train.py'),
      ...[size.n_layer, size.n_head, size.n_embd, size.B, size.T, steps, PEER_THREADS].map(String),
      '--profile',
    ],
    { encoding: 'utf8' },
  );
  console.log('');
  if (run.status === 0) console.log(run.stdout.trimEnd());
  else console.log(`PyTorch profile skipped: ${run.stderr.trim().split('\n').pop()}`);
}
