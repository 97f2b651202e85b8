// `tfpipe run --backend webgpu` through a lab2-shaped pipeline (perplexity → full fine-tuning → LoRA → generation)
// on a GPT-2 from {init}: the fused kernels (LayerNorm, gelu_new, cross-entropy, attention) inside a real run, and an
// evaluation pass of ~1,000 tokens whose [tokens, 50257] logits (about 200 MB) are more than a GPU's 128 MiB
// storage-binding limit allows (lavapipe's): the head runs in row chunks. The base perplexity must equal the wasm
// run's (same initial weights, no dropout in evaluation). Without a WebGPU adapter the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeWebGpuAdapter } from '../../models/backend/webgpu/probe.ts';
import { makeProject, runCli } from './helpers.ts';

const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: webgpu-lab2
seed: 3
vars:
  gpt2: {init: {n_layer: 1, n_head: 2, n_embd: 16, n_positions: 64}}
stages:
  text: {kind: load, path: wiki.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.5}
  tokenize: {kind: tokenize, input: split, mode: bpe, block_size: 32}
  ppl_base: {kind: evaluate, base: '\${vars.gpt2}', data: tokenize, part: valid, batch_size: 64}
  finetune: {kind: finetune, base: '\${vars.gpt2}', data: tokenize, epochs: 1, batch_size: 8, lr: 0.01, logging_steps: 1}
  ppl_full: {kind: evaluate, model: finetune, data: tokenize, part: valid, batch_size: 64}
  lora: {kind: lora, model: finetune, data: tokenize, r: 4, lora_alpha: 8, lora_dropout: 0.1, epochs: 1, batch_size: 8, lr: 0.01}
  generate: {kind: generate, model: lora, prompts: [The game is], max_new_tokens: 4}
`;

/** ~80 lines of varied English-like text: about 2,000 GPT-2 tokens. */
function wikiText(): string {
  const subjects = ['The game', 'The film', 'A critic', 'The studio', 'Its sequel', 'The team', 'The music'];
  const verbs = [
    'was praised for',
    'was developed with',
    'carried over',
    'met with',
    'was released after',
    'focused on',
  ];
  const objects = [
    'its tactical battles',
    'a large portion of the work',
    'positive sales in Japan',
    'the original story',
    'new characters and maps',
    'a small budget',
  ];
  return (
    Array.from(
      { length: 80 },
      (_, i) =>
        ` ${subjects[i % 7]} ${verbs[(i * 5) % 6]} ${objects[(i * 11) % 6]} in ${1990 + (i % 30)} , and again in chapter ${i} . `,
    ).join('\n') + '\n'
  );
}

async function metrics(dir: string, stage: string): Promise<Record<string, number>> {
  return JSON.parse(await readFile(join(dir, '.tfpipe/metrics/p', stage, 'metrics.json'), 'utf8'));
}

const probe = await probeWebGpuAdapter();

test("tfpipe run --backend webgpu: perplexity, fine-tuning, LoRA and generation; the base perplexity equals wasm's", async (t) => {
  if (!probe.found) {
    t.skip(`no WebGPU adapter here: ${probe.reason}`);
    return;
  }
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'wiki.txt': wikiText() });
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const wasm = await runCli(dir, ['run', 'p.yaml', '--backend', 'wasm', '--to', 'ppl_base']);
  assert.equal(wasm.code, 0, wasm.stdout + wasm.stderr);
  const onWasm = await metrics(dir, 'ppl_base');

  const run = await runCli(dir, ['run', 'p.yaml', '--backend', 'webgpu']);
  const output = run.stdout + run.stderr;
  assert.equal(run.code, 0, output);
  assert.match(run.stdout, /^backend: webgpu \(.+\)$/m, 'the backend line names webgpu and its adapter');
  assert.match(run.stdout, /^done: 5 ran, 3 cached$/m, output);

  const base = await metrics(dir, 'ppl_base');
  assert.ok(
    base.valid_tokens > 668,
    `the evaluation holds ${base.valid_tokens} tokens: at least one pass needs more than 128 MiB of logits`,
  );
  assert.equal(base.valid_tokens, onWasm.valid_tokens);
  const relative = Math.abs(base.valid_perplexity - onWasm.valid_perplexity) / onWasm.valid_perplexity;
  assert.ok(relative < 1e-4, `base perplexity on webgpu ${base.valid_perplexity} vs wasm ${onWasm.valid_perplexity}`);
  const full = await metrics(dir, 'ppl_full');
  assert.ok(Number.isFinite(full.valid_perplexity) && full.valid_perplexity > 1, JSON.stringify(full));
  assert.match(run.stdout, /"The game is[^"]*" \(4 new tokens/, output);
});
