// pipelines/lab2.yaml is the homework's Lab 2 (section 3 of the seed homework): its data preparation, its
// perplexity, its two fine-tunings with their settings, its prompt and greedy max_length, and its 3(f) table. The
// values checked here are the homework's (the specification), read off its code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPipeline } from '../../runner/spec/load.ts';
import type { PipelineSpec, StageSpec } from '../../runner/spec/types.ts';
import { REPO_ROOT } from '../helpers/context.ts';
import { runCli } from '../cli/helpers.ts';

const FILE = join(REPO_ROOT, 'pipelines/lab2.yaml');
const PROMPT = 'GPT-2 is a language model based on transformer developed by OpenAI';

async function lab2(): Promise<PipelineSpec> {
  const result = await loadPipeline(FILE);
  assert.ok(result.ok);
  return result.spec;
}

const stage = (spec: PipelineSpec, id: string): StageSpec => spec.stages.find((s) => s.id === id)!;

test('3(b): WikiText-2 raw, first 10% of train and validation, one row per line padded to 1024 with eos, empty lines kept', async () => {
  const spec = await lab2();
  for (const [load, part] of [
    ['wikitext_train', 'train'],
    ['wikitext_valid', 'validation'],
  ]) {
    assert.equal(stage(spec, load).params.dataset, 'wikitext-2-raw-v1');
    assert.equal(stage(spec, load).params.part, part);
  }
  for (const id of ['train_rows', 'valid_rows']) assert.equal(stage(spec, id).params.head, 0.1);
  for (const id of ['tokenize_train', 'tokenize_valid']) {
    assert.deepEqual(stage(spec, id).params, {
      mode: 'bpe',
      layout: 'pad',
      keep_empty: true,
      max_length: 1024,
      block_size: 1024,
    });
  }
});

test('3(c)-(e): the perplexity per input token, full fine-tuning on the pads, LoRA r 64 alpha 16 dropout 0.1 warmup 500', async () => {
  const spec = await lab2();
  for (const id of ['perplexity_base', 'perplexity_full', 'perplexity_lora']) {
    assert.equal(stage(spec, id).params.batch_size, 4, 'valid_dataloader batch_size=4');
    assert.equal(stage(spec, id).inputs.data.stage, 'tokenize_valid');
  }
  const full = stage(spec, 'finetune').params;
  assert.equal(full.pads, 'trained', '3(d): the Trainer without a data collator trains on the pads');
  for (const [key, value] of Object.entries({
    epochs: 3,
    batch_size: 8,
    lr: 5e-5,
    weight_decay: 0,
    warmup_steps: 0,
    max_grad_norm: 1,
    lr_schedule: 'linear',
  }))
    assert.equal(full[key], value, `finetune ${key}`);
  const lora = stage(spec, 'lora').params;
  assert.equal(lora.pads, 'ignored', '3(e): DataCollatorForLanguageModeling');
  for (const [key, value] of Object.entries({
    r: 64,
    lora_alpha: 16,
    lora_dropout: 0.1,
    bias: 'none',
    epochs: 3,
    batch_size: 8,
    eval_batch_size: 8,
    lr: 5e-5,
    warmup_steps: 500,
  }))
    assert.equal(lora[key], value, `lora ${key}`);
  assert.deepEqual(lora.target_modules, ['c_attn'], "peft's default targets for GPT-2");
  assert.equal(spec.seed, 42, "TrainingArguments' default seed");
});

test('3(a), 3(f): greedy generation of the homework prompt to max_length 100 with each model, and the comparison', async () => {
  const spec = await lab2();
  for (const id of ['generate_base', 'generate_full', 'generate_lora']) {
    const p = stage(spec, id).params;
    assert.deepEqual(p.prompts, [PROMPT]);
    assert.equal(p.max_length, 100);
    assert.equal(p.do_sample, false);
  }
  const compare = stage(spec, 'compare');
  assert.deepEqual(Object.keys(compare.params.rows as object), [
    'pre-trained GPT-2',
    'finetuned GPT-2',
    'LoRA finetuned GPT-2',
  ]);
  const metrics = (compare.params.columns as { metric: string }[]).map((c) => c.metric);
  assert.deepEqual(metrics, [
    'valid_perplexity_per_input_token',
    'train_seconds',
    'trainable_params',
    'generated_text',
  ]);
});

test('tfpipe dag shows the homework graph: both fine-tunings from gpt2, every model measured and generating, one table', async () => {
  const dag = await runCli(REPO_ROOT, ['dag', 'pipelines/lab2.yaml']);
  assert.equal(dag.code, 0, dag.stderr);
  for (const edge of [
    /^finetune \(finetune\)\s+data ← tokenize_train\.tokens \[tokens\], valid ← tokenize_valid\.valid \[tokens\]$/m,
    /^lora \(lora\)\s+data ← tokenize_train\.tokens \[tokens\], valid ← tokenize_valid\.valid \[tokens\]$/m,
    /^perplexity_full \(evaluate\)\s+model ← finetune\.model \[model\]/m,
    /^generate_lora \(generate\)\s+model ← lora\.model \[model\]$/m,
    /^compare \(compare\)\s+rows\/pre-trained GPT-2\/0 ← perplexity_base\.metrics \[metrics\]/m,
  ]) {
    assert.match(dag.stdout, edge);
  }
});
