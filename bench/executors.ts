// Benchmark: wall time of a lab2-shaped pipeline run by the local executor against the Slurm executor, same machine,
// same run. Lab 2's graph (tokenize → fine-tuning and LoRA over the base model → perplexity of each → generation)
// with a small GPT-2 over data/wikitext-2-test-head.txt; each executor starts from an empty cache. Locally the stages
// run one after another; on Slurm, fine-tuning and LoRA (and their evaluations) run at once, each job paying a
// Node.js start and the scheduler's latency. Needs a cluster: SLURM_CONF, e.g. from scripts/slurm-cluster.sh.
// usage: node --import tsx bench/executors.ts [--epochs 2] [--layers 2] [--embd 64]
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const arg = (name: string, dflt: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt;
const [epochs, layers, embd] = [arg('--epochs', 2), arg('--layers', 2), arg('--embd', 64)];
const repo = join(import.meta.dirname, '..');

const pipeline = `name: lab2-shaped
backend: wasm
seed: 1
vars:
  gpt2: {init: {n_layer: ${layers}, n_head: 4, n_embd: ${embd}, n_positions: 64}}
stages:
  text: {kind: load, path: wiki.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.2}
  tokenize: {kind: tokenize, input: split, mode: bpe, block_size: 64}
  finetune: {kind: finetune, base: '\${vars.gpt2}', data: tokenize, epochs: ${epochs}, batch_size: 8, lr: 0.001}
  ppl_full: {kind: evaluate, model: finetune, data: tokenize, part: valid}
  lora: {kind: lora, base: '\${vars.gpt2}', data: tokenize, r: 8, epochs: ${epochs}, batch_size: 8, lr: 0.001}
  ppl_lora: {kind: evaluate, model: lora, data: tokenize, part: valid}
  generate: {kind: generate, model: lora, prompts: [The game], max_new_tokens: 8}
`;

const sinfo = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
if (sinfo.status !== 0 || !/idle|mix|alloc/.test(sinfo.stdout)) {
  console.error('no Slurm cluster answers: start one (sudo scripts/slurm-cluster.sh start DIR) and export SLURM_CONF');
  process.exit(2);
}

const project = await mkdtemp(join(tmpdir(), 'tfpipe-bench-executors-'));
await writeFile(join(project, 'p.yaml'), pipeline);
await copyFile(join(repo, 'data/wikitext-2-test-head.txt'), join(project, 'wiki.txt'));

function run(executor: string): { seconds: number; stages: Record<string, number> } {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [join(repo, 'bin/tfpipe.js'), 'run', 'p.yaml', '--executor', executor, '--cache-dir', `cache-${executor}`],
    { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1' } },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`the ${executor} run failed:\n${result.stdout}\n${result.stderr}`);
  const stages = Object.fromEntries(
    [...result.stdout.matchAll(/^(\S+) \(\S+\): ran in (\S+)$/gm)].map((m) => [m[1], parseSeconds(m[2])]),
  );
  return { seconds, stages };
}

function parseSeconds(text: string): number {
  const m = /^(?:(\d+)m)?([\d.]+)(ms|s)$/.exec(text);
  if (!m) return NaN;
  return (m[1] ? Number(m[1]) * 60 : 0) + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
}

console.log(
  `lab2-shaped pipeline: GPT-2 ${layers} layers × ${embd}, ${epochs} epochs, wasm; each run from an empty cache`,
);
const local = run('local');
const slurm = run('slurm');
const work = Object.values(local.stages).reduce((a, b) => a + b, 0);
console.log(`local: ${local.seconds.toFixed(1)} s wall (stages ${work.toFixed(1)} s of it)`);
console.log(`slurm: ${slurm.seconds.toFixed(1)} s wall`);
console.log(`slurm / local: ${(slurm.seconds / local.seconds).toFixed(2)}`);
for (const id of ['finetune', 'lora'])
  console.log(`  ${id}: local ${local.stages[id]?.toFixed(1)} s, as a job ${slurm.stages[id]?.toFixed(1)} s`);
const runs = join(project, 'cache-slurm', 'runs');
const record = JSON.parse(await readFile(join(runs, (await readdir(runs))[0]), 'utf8')) as {
  stages: { id: string; job?: { started?: string; finished?: string } }[];
};
const span = (id: string) => {
  const job = record.stages.find((s) => s.id === id)?.job;
  return job?.started && job.finished ? [Date.parse(job.started), Date.parse(job.finished)] : undefined;
};
const [f, l] = [span('finetune'), span('lora')];
if (f && l)
  console.log(
    `  finetune and lora jobs overlapped ${((Math.min(f[1], l[1]) - Math.max(f[0], l[0])) / 1000).toFixed(1)} s`,
  );
await rm(project, { recursive: true, force: true });
