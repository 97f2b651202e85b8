// Benchmark for the GPU machine (issue 7): tfpipe and PyTorch on the same workloads, same shapes, one run, with
// the ratio. The PyTorch side (bench/gpu/peer_torch.py: HF transformers + peft, cuDNN LSTM) runs first and alone,
// then each tfpipe workload on the chosen backend. Workloads:
//   gpt2-full  GPT-2 124M full fine-tuning, batch 4 × 1024, AdamW, clip 1, dropout 0.1        (tokens/s)
//   gpt2-lora  the same with LoRA r 64, alpha 16, dropout 0.1 on c_attn (base frozen)         (tokens/s)
//   gpt2-eval  forward + loss only, no dropout: perplexity evaluation                          (tokens/s)
//   lstm-uni   lab 1's LSTM classifier, batch 96 × 256, embedding 128, hidden 128, Adam        (samples/s)
//   lstm-bi    the same, bidirectional                                                         (samples/s)
//   matmul     one fp32 product at 1024³, 2048³, 4096³ and GPT-2's shapes (bench/gpu/matmul-rate.ts): the tuned
//              tiled kernel, tfjs's kernel (fused kernels off) and cuBLAS with TF32 off                  (GFLOP/s)
// No host sync inside the timed loop: steps are queued and only the last loss is read, as a pipeline's training
// loop reads the loss every N steps.
// On the GPU machine (no Node.js there): TFPIPE_GPU_ENTRY=bench/gpu/side-by-side.ts npm run gpu:pack --
// bench/gpu/peer_torch.py, then `bash .gpu/run.sh --backend webgpu`. Anywhere else:
//   node --import tsx bench/gpu/side-by-side.ts [--backend wasm] [--small] [--modes a,b] [--steps N] [--python P]
//     [--with-plain | --plain] [--no-peer]
// --small shrinks every shape (GPT-2 2 × 64 wide, batch 4 × 64; LSTM 8 × 32, 16 wide; matmuls to 256) to check the
// harness on a CPU; figures from a CPU adapter (lavapipe) say nothing about a GPU.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../../models/backend/select.ts';
import { FUSED_KERNELS_FLAG } from '../../models/backend/webgpu/run-program.ts';
import { tuneMatMul } from '../../models/backend/webgpu/matmul/tune.ts';
import { matmulRates, matmulShapes } from './matmul-rate.ts';
import { createGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model, gpt2Loss } from '../../models/gpt2/model.ts';
import { gpt2Batch } from '../../models/gpt2/batch.ts';
import { gpt2Trainable } from '../../models/gpt2/trainable.ts';
import { makeLoraConfig } from '../../models/lora/config.ts';
import { attachLora, detachLora } from '../../models/lora/lora.ts';
import { createLstmClassifier, disposeLstm } from '../../models/lstm/model.ts';
import { lstmTrainable } from '../../models/lstm/trainable.ts';
import { createOptimizer } from '../../models/train/create-optimizer.ts';
import type { Optimizer } from '../../models/train/optimizer.ts';
import { trainStep, type TrainableModel } from '../../models/train/step.ts';

const MODES = ['gpt2-full', 'gpt2-lora', 'gpt2-eval', 'lstm-uni', 'lstm-bi', 'matmul'] as const;
type Mode = (typeof MODES)[number];

const argOf = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const small = process.argv.includes('--small');
const backendName = (argOf('--backend') ?? 'webgpu') as BackendName;
const steps = Number(argOf('--steps') ?? 5);
const modes = (argOf('--modes')?.split(',') ?? [...MODES]) as Mode[];
const python = argOf('--python') ?? process.env.TFPIPE_PYTHON ?? 'python3';
// --with-plain: also measure with the fused webgpu kernels off (plain tfjs ops), the "before" of each kernel;
// --plain: only that
const withPlain = process.argv.includes('--with-plain');
const plainOnly = process.argv.includes('--plain');
const GPT2 = small ? { L: 2, H: 2, C: 64, B: 4, T: 64 } : { L: 12, H: 12, C: 768, B: 4, T: 1024 };
const LSTM = small ? { B: 8, T: 32, E: 16, H: 16 } : { B: 96, T: 256, E: 128, H: 128 };
const LSTM_VOCAB = 20000;
const MATMUL_SHAPES = matmulShapes(small);

for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode ${m}; modes: ${MODES.join(', ')}`);

/** Seconds per step after one warm-up; only the last step's loss is read (which waits for the whole queue). */
async function secondsPerStep(step: () => tf.Scalar): Promise<number> {
  const warm = step();
  await warm.data();
  warm.dispose();
  const start = performance.now();
  let last: tf.Scalar | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last!.data();
  last!.dispose();
  return (performance.now() - start) / 1000 / steps;
}

/** fitModel's optimizer step (clipping at 1 when asked); returns the loss, still on the device. */
function queueStep<B>(
  model: TrainableModel<B>,
  batch: B,
  optimizer: Optimizer,
  seed: number,
  clip: boolean,
): tf.Scalar {
  const [{ loss, sums }] = trainStep(model, [{ batch, seed }], optimizer, clip ? { maxGradNorm: 1 } : {});
  tf.dispose(Object.values(sums).filter((v): v is tf.Scalar => v instanceof tf.Tensor)); // the LSTM's correct count
  return loss;
}

async function gpt2Rate(mode: Mode): Promise<number> {
  const model = createGpt2({ n_layer: GPT2.L, n_head: GPT2.H, n_embd: GPT2.C, n_positions: Math.max(GPT2.T, 1024) }, 1);
  const ids = Array.from({ length: GPT2.B }, (_, b) =>
    Array.from({ length: GPT2.T }, (_, t) => (b * 1009 + t * 7919) % 50257),
  );
  try {
    if (mode === 'gpt2-eval') return (GPT2.B * GPT2.T) / (await secondsPerStep(() => gpt2Loss(model, ids)));
    const lora =
      mode === 'gpt2-lora'
        ? attachLora(model, makeLoraConfig({ r: 64, lora_alpha: 16, lora_dropout: 0.1, target_modules: ['c_attn'] }), 2)
        : null;
    const trainable = gpt2Trainable(model, lora ? lora.params : model.params);
    const optimizer = createOptimizer({ name: 'adamw', lr: 1e-4, weightDecay: 0 });
    let seed = 1;
    const seconds = await secondsPerStep(() => queueStep(trainable, gpt2Batch(ids), optimizer, seed++, true));
    optimizer.dispose();
    if (lora) detachLora(model, lora);
    return (GPT2.B * GPT2.T) / seconds;
  } finally {
    disposeGpt2Model(model);
  }
}

async function lstmRate(mode: Mode): Promise<number> {
  const ids = Int32Array.from({ length: LSTM.B * LSTM.T }, (_, i) => 1 + ((i * 7919) % (LSTM_VOCAB - 1)));
  const batch = {
    ids,
    lengths: new Array<number>(LSTM.B).fill(LSTM.T),
    width: LSTM.T,
    labels: Array.from({ length: LSTM.B }, (_, b) => b % 2),
  };
  const model = createLstmClassifier(
    {
      vocabSize: LSTM_VOCAB,
      embeddingDim: LSTM.E,
      hiddenDim: LSTM.H,
      outputDim: 2,
      nLayers: 1,
      bidirectional: mode === 'lstm-bi',
      dropout: 0,
      padIndex: 0,
    },
    1,
  );
  const optimizer = createOptimizer({ name: 'adam', lr: 1e-3 });
  try {
    return LSTM.B / (await secondsPerStep(() => queueStep(lstmTrainable(model), batch, optimizer, 1, false)));
  } finally {
    optimizer.dispose();
    disposeLstm(model);
  }
}

interface PeerResult {
  device: string;
  gpt2: string | null;
  rates: Record<string, number | string>;
}

function runPeer(): PeerResult | string {
  const script = join(import.meta.dirname, 'peer_torch.py');
  const g = GPT2;
  const args = [
    script,
    '--modes',
    modes.join(','),
    '--gpt2',
    [g.L, g.H, g.C, g.B, g.T].join(','),
    '--lstm',
    [LSTM.B, LSTM.T, LSTM.E, LSTM.H].join(','),
    '--steps',
    String(steps),
    '--matmul',
    MATMUL_SHAPES.map((m) => `${m.M}x${m.K}x${m.N}x${m.transposeB ? 1 : 0}`).join(';'),
  ];
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.error) return `not run (${python}: ${run.error.message})`;
  if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as PeerResult;
}

const peer = process.argv.includes('--no-peer') ? 'skipped (--no-peer)' : runPeer();
const selected = await selectBackend(backendName);

/** Each mode's rate with the fused kernels on (`fused`) or off (`plain`: tfjs ops only), or its error. */
async function measure(fused: boolean): Promise<Map<Mode, number | string>> {
  tf.env().set(FUSED_KERNELS_FLAG, fused);
  const rates = new Map<Mode, number | string>();
  for (const mode of modes) {
    if (mode === 'matmul') continue; // its own table, both kernels at once
    try {
      rates.set(mode, mode.startsWith('gpt2') ? await gpt2Rate(mode) : await lstmRate(mode));
    } catch (error) {
      rates.set(mode, `${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`);
    }
    const rate = rates.get(mode)!;
    console.log(
      `${mode}${fused ? '' : ' (plain)'}: ${typeof rate === 'number' ? rate.toFixed(1) : rate} (tensors left ${tf.memory().numTensors})`,
    );
  }
  tf.env().set(FUSED_KERNELS_FLAG, true);
  return rates;
}
const tuning = selected.name === 'webgpu' ? await tuneMatMul({ adapter: selected.device }) : null;
const ours = await measure(!plainOnly);
const plain = withPlain ? await measure(false) : null;

const unit = (m: Mode) => (m.startsWith('gpt2') ? 'tokens/s' : 'samples/s');
const show = (v: number | string | undefined) => (typeof v === 'number' ? v.toFixed(1) : String(v ?? '—'));
const ratio = (a: number | string | undefined, b: number | string | undefined) =>
  typeof a === 'number' && typeof b === 'number' ? `${(a / b).toFixed(3)}×` : '—';
console.log(
  `\nGPT-2 ${GPT2.L}×${GPT2.C}, batch ${GPT2.B} × ${GPT2.T}; LSTM batch ${LSTM.B} × ${LSTM.T}, emb ${LSTM.E}, hidden ${LSTM.H}; ${steps} timed steps after 1 warm-up`,
);
console.log(`tfpipe: ${selected.name} (${selected.device})${plainOnly ? ', fused kernels off' : ''}`);
console.log(`PyTorch: ${typeof peer === 'string' ? peer : `${peer.device}; GPT-2 from ${peer.gpt2 ?? '—'}`}`);
console.log(`mode        unit          tfpipe      PyTorch    ratio${plain ? '  tfjs ops only  fused ÷ plain' : ''}`);
for (const mode of modes.filter((m) => m !== 'matmul')) {
  const a = ours.get(mode);
  const b = typeof peer === 'string' ? undefined : peer.rates[mode];
  const before = plain ? ` ${show(plain.get(mode)).padStart(14)} ${ratio(a, plain.get(mode)).padStart(14)}` : '';
  console.log(
    `${mode.padEnd(11)} ${unit(mode).padEnd(10)} ${show(a).padStart(10)} ${show(b).padStart(12)} ${ratio(a, b).padStart(8)}${before}`,
  );
}

if (modes.includes('matmul') && selected.name === 'webgpu') {
  const rates = await matmulRates(MATMUL_SHAPES, steps);
  const how = tuning?.source === 'timed' ? `tuned in ${tuning.tuningMs} ms` : `config ${tuning?.source}`;
  console.log(`\nmatmul, GFLOP/s (${how}: ${JSON.stringify(tuning?.winners ?? {})})`);
  console.log(`shape                        tuned        tfjs     PyTorch  tuned÷PyTorch  tfjs÷PyTorch`);
  for (const s of MATMUL_SHAPES) {
    const r = rates.get(s.name)!;
    const torch = typeof peer === 'string' ? undefined : peer.rates[`matmul ${s.M}x${s.K}x${s.N}`];
    console.log(
      `${s.name.padEnd(26)} ${show(r.tuned).padStart(8)} ${show(r.tfjs).padStart(11)} ${show(torch).padStart(11)} ${ratio(r.tuned, torch).padStart(14)} ${ratio(r.tfjs, torch).padStart(13)}`,
    );
  }
}
