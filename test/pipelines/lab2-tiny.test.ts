// Lab 2's graph end to end through the CLI, at toy size: base perplexity → full fine-tuning → LoRA → generation →
// comparison on a few lines of text with a GPT-2 from {init}; a second run takes every stage from the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, runCli, stagesByAction } from '../cli/helpers.ts';

const LINES = [
  ' = Valkyria Chronicles III = ',
  '',
  ' Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game developed by Sega . ',
  ' The game began development in 2010 , carrying over a large portion of the work done on Valkyria Chronicles II . ',
  ' It met with positive sales in Japan , and was praised by both Japanese and western critics . ',
  ' The model is based on the concept of a small language model trained for a test . ',
];

const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: lab2-tiny
backend: wasm
seed: 1
vars:
  gpt2: {init: {n_layer: 1, n_head: 2, n_embd: 8, n_positions: 32}}
stages:
  text: {kind: load, path: wiki.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.34}
  tokenize: {kind: tokenize, input: split, mode: bpe, block_size: 8}
  ppl_base: {kind: evaluate, base: '\${vars.gpt2}', data: tokenize, part: valid}
  finetune: {kind: finetune, base: '\${vars.gpt2}', data: tokenize, epochs: 1, batch_size: 4, lr: 0.01, logging_steps: 1, checkpoint_every: 1}
  ppl_full: {kind: evaluate, model: finetune, data: tokenize, part: valid}
  lora: {kind: lora, model: finetune, data: tokenize, r: 2, epochs: 1, batch_size: 4, lr: 0.01}
  ppl_lora: {kind: evaluate, model: lora, data: tokenize, part: valid}
  generate: {kind: generate, model: lora, prompts: [The model is], max_new_tokens: 4, repetition_penalty: 1.2}
  compare:
    kind: compare
    rows: {base: [ppl_base], full: [ppl_full, finetune], LoRA: [ppl_lora, lora]}
    columns: [{metric: valid_perplexity, name: perplexity, digits: 1}, trainable_params]
`;

test('tfpipe run: base perplexity, finetune, lora, generate and the comparison table; the second run is all cached', async () => {
  const dir = await makeProject({ 'p.yaml': PIPELINE, 'wiki.txt': LINES.join('\n') + '\n' });
  const first = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const ids = ['text', 'split', 'tokenize', 'ppl_base', 'finetune', 'ppl_full', 'lora', 'ppl_lora', 'generate', 'compare'];
  assert.deepEqual(stagesByAction(first.stdout).ran.sort(), [...ids].sort());
  assert.match(first.stdout, /trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}/);
  assert.match(first.stdout, /perplexity\s+trainable_params/);
  assert.match(first.stdout, /^\s+LoRA\s+[\d,.]+\s+[\d,]+$/m);
  assert.match(first.stdout, /"The model is[^"]*" \(4 new tokens, max-tokens\)/);

  const second = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.deepEqual(stagesByAction(second.stdout), { ran: [], cached: ids });
  assert.match(second.stdout, /lora_valid_perplexity [\d,.]+ · lora_trainable_params 64/, 'the cached compare stage still reports its figures');
});
