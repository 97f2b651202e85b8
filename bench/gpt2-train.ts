// Benchmark: GPT-2 training tokens/s on the wasm backend — full fine-tuning and LoRA (r 8 on c_attn) — against the
// PyTorch peer (bench/peers/gpt2_train.py, same sizes, AdamW, dropout 0.1, clipping, 2 threads) in the same run, as
// users run it and with glibc malloc keeping its memory (see PEERS).
// Default size: lab2-offline's model (2 layers, 2 heads, width 64, block 64, batch 8); --gpt2 for the 124M model
// (slow on CPU). The 50,257-token head dominates small widths.
// usage: node --import tsx bench/gpt2-train.ts [--steps N] [--gpt2] [--no-peer]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../models/backend/select.ts';
import { GPT2_SIZE, makeGpt2Step, SMALL_SIZE } from './lib/gpt2-step.ts';

const argOf = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const steps = Number(argOf('--steps')) || 3;
const size = process.argv.includes('--gpt2') ? GPT2_SIZE : SMALL_SIZE;
const withPeer = !process.argv.includes('--no-peer');

function tokensPerSecond(lora: boolean): number {
  const step = makeGpt2Step(size, lora);
  step.run(1); // warm-up
  const start = performance.now();
  for (let i = 0; i < steps; i++) step.run(i + 2);
  const rate = (size.B * size.T * steps) / ((performance.now() - start) / 1000);
  step.dispose();
  return rate;
}

const backend = await selectBackend('wasm');
const ours = { full: tokensPerSecond(false), lora: tokensPerSecond(true) };
console.log(
  `GPT-2 n_layer ${size.n_layer} n_embd ${size.n_embd}, batch ${size.B} × ${size.T}, ${backend.name} (${backend.device}); tensors left ${tf.memory().numTensors}`,
);
type Rates = { full: number; lora: number };
/**
 * The peer as users run it, and with glibc's malloc keeping freed memory (no mmap/munmap of its large buffers each
 * step): on this 2-core VM the page faults of the first cost PyTorch 3–6× in Dec 2026 (bench/README.md).
 */
const PEERS: { label: string; env: Record<string, string> }[] = [
  { label: 'PyTorch', env: {} },
  {
    label: 'PyTorch, malloc kept',
    env: {
      MALLOC_MMAP_THRESHOLD_: '2000000000',
      MALLOC_TRIM_THRESHOLD_: '100000000000',
      MALLOC_TOP_PAD_: '1000000000',
    },
  },
];
const peers: { label: string; rates: Rates }[] = [];
for (const { label, env } of withPeer ? PEERS : []) {
  const script = join(import.meta.dirname, 'peers/gpt2_train.py');
  const run = spawnSync(
    '/usr/bin/python3',
    [script, ...[size.n_layer, size.n_head, size.n_embd, size.B, size.T, steps, 2].map(String)],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  if (run.status === 0) peers.push({ label, rates: JSON.parse(run.stdout.trim().split('\n').pop()!) as Rates });
  else console.log(`peer (${label}) failed: ${run.stderr.trim().split('\n').pop()}`);
}
for (const mode of ['full', 'lora'] as const) {
  const ratios = peers.map(
    ({ label, rates }) =>
      ` · ${label} ${rates[mode].toFixed(0)} tokens/s · ratio ${(ours[mode] / rates[mode]).toFixed(2)}`,
  );
  console.log(`${mode.padEnd(4)}: tfpipe ${ours[mode].toFixed(0)} tokens/s${ratios.join('')}`);
}
