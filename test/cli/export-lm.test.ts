// `tfpipe export` of GPT-2 models, read back by tfpipe itself: a fine-tuned model as a save_pretrained folder, a
// LoRA adapter as peft's folder (its random-init base written beside it), and the adapter merged (--merge). A
// second pipeline evaluates each exported folder as a `base:`; the same valid tokens give the perplexity of the
// cached model exactly (same logits), and the merged weights within float rounding. predict continues a text.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const PIPELINE = `name: lm-export
backend: cpu
seed: 3
vars:
  gpt2: {init: {n_layer: 1, n_head: 2, n_embd: 8, n_positions: 32}}
stages:
  text: {kind: load, path: wiki.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.3}
  tokenize: {kind: tokenize, input: split, mode: bpe, block_size: 16}
  finetune: {kind: finetune, base: '\${vars.gpt2}', data: tokenize, epochs: 1, batch_size: 4, lr: 0.01}
  ppl_full: {kind: evaluate, model: finetune, data: tokenize, part: valid}
  lora: {kind: lora, base: '\${vars.gpt2}', data: tokenize, r: 2, lora_alpha: 4, epochs: 1, batch_size: 4, lr: 0.01}
  ppl_lora: {kind: evaluate, model: lora, data: tokenize, part: valid}
`;

/** The same data stages, measuring the exported folders instead. */
const READ_BACK = `name: lm-export-read-back
extends: p.yaml
stages:
  ppl_full_exported: {kind: evaluate, base: exported/full, data: tokenize, part: valid}
  ppl_lora_exported: {kind: evaluate, base: exported/adapter, data: tokenize, part: valid}
  ppl_merged_exported: {kind: evaluate, base: exported/merged, data: tokenize, part: valid}
`;

let dir: string;
before(async () => {
  const text = (await readFile(join(REPO_ROOT, 'data/wikitext-2-test-head.txt'), 'utf8'))
    .split('\n')
    .slice(0, 40)
    .join('\n');
  dir = await makeProject({ 'p.yaml': PIPELINE, 'wiki.txt': text, 'read-back.yaml': READ_BACK });
  const run = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  await mkdir(join(dir, 'exported'));
});

/** The valid_loss an evaluate stage printed in a run's summary. */
function validLoss(stdout: string, stage: string): number {
  const m = new RegExp(`^${stage} \\(evaluate\\):[^\\n]*\\n\\s+valid_loss ([\\d.e+-]+)`, 'm').exec(stdout);
  assert.ok(m, `${stage} in:\n${stdout}`);
  return Number(m[1]);
}

test('exported folders: save_pretrained, peft (base beside it), merged; each read back as a base gives the same figures', async () => {
  const exports: [string, string, string[]][] = [
    ['finetune', 'exported/full', []],
    ['lora', 'exported/adapter', []],
    ['lora', 'exported/merged', ['--merge']],
  ];
  for (const [stage, folder, flags] of exports) {
    const run = await runCli(dir, ['export', 'p.yaml', stage, folder, ...flags]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  }
  assert.deepEqual((await readdir(join(dir, 'exported/full'))).sort(), [
    'README.md',
    'config.json',
    'model.safetensors',
  ]);
  assert.deepEqual((await readdir(join(dir, 'exported/adapter'))).sort(), [
    'README.md',
    'adapter_config.json',
    'adapter_model.safetensors',
    'base',
  ]);
  assert.deepEqual((await readdir(join(dir, 'exported/merged'))).sort(), [
    'README.md',
    'config.json',
    'model.safetensors',
  ]);
  const full = JSON.parse(await readFile(join(dir, 'exported/full/config.json'), 'utf8'));
  assert.equal(full.model_type, 'gpt2');
  assert.equal(full.format, undefined, "tfpipe's own key is not in the exported config");
  const adapter = JSON.parse(await readFile(join(dir, 'exported/adapter/adapter_config.json'), 'utf8'));
  assert.equal(
    adapter.base_model_name_or_path,
    join(dir, 'exported/adapter/base'),
    'the base written beside the adapter, by its path',
  );
  assert.equal(adapter.r, 2);

  const back = await runCli(dir, ['run', 'read-back.yaml', '--verbose']); // the cached stages' metrics too
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal(
    validLoss(back.stdout, 'ppl_full_exported'),
    validLoss(back.stdout, 'ppl_full'),
    'the save_pretrained folder: identical',
  );
  assert.equal(
    validLoss(back.stdout, 'ppl_lora_exported'),
    validLoss(back.stdout, 'ppl_lora'),
    'the adapter on its exported base: identical',
  );
  const merged = validLoss(back.stdout, 'ppl_merged_exported');
  assert.ok(
    Math.abs(merged - validLoss(back.stdout, 'ppl_lora')) < 1e-5 * merged,
    'merged weights: the same figure up to float rounding',
  );
});

test('export --merge of a full model, and predict with a language model', async () => {
  const merge = await runCli(dir, ['export', 'p.yaml', 'finetune', 'exported/none', '--merge']);
  assert.equal(merge.code, 1);
  assert.match(
    merge.stderr,
    /stage finetune made a full GPT-2, not a LoRA adapter: there is nothing to merge \(drop --merge\)/,
  );
  assert.deepEqual(
    (await readdir(join(dir, 'exported'))).filter((name) => name.startsWith('.') || name === 'none'),
    [],
    'nothing left behind',
  );

  const predict = await runCli(dir, ['predict', 'p.yaml', 'lora', 'The game', '--max-new-tokens', '3', '--json']);
  assert.equal(predict.code, 0, predict.stderr);
  const out = JSON.parse(predict.stdout) as {
    kind: string;
    rows: { text: string; continuation: string; new_tokens: number }[];
  };
  assert.equal(out.kind, 'continuations');
  assert.equal(out.rows[0].text, 'The game');
  assert.equal(out.rows[0].new_tokens, 3);
});
