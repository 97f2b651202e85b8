// Fingerprinting never loads TensorFlow.js: `tfpipe status` and a rerun of Lab 2's graph taken wholly from the
// cache import every stage descriptor (kind, version, files) but none of the work behind them. Each CLI process runs
// with test/helpers/record-loads.mjs, which lists every module it loads; the first, uncached run must list
// tfjs-core (the recorder sees it), the status and the cached rerun must not.
// The pipeline is lab2.yaml's graph (base perplexity and generation, full fine-tuning, LoRA, the comparison) at toy
// size: the rows from the WikiText-2 excerpt in data/, and for `gpt2` the tiny GPT-2 folder of the reference
// fixtures, so its files are hashed into the fingerprints as a local model's are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, makeProject, runCli, stagesByAction } from './helpers.ts';
import { HF_REFERENCE, REPO_ROOT, WIKITEXT_TEST_HEAD } from '../helpers/context.ts';

const RECORDER = pathToFileURL(join(REPO_ROOT, 'test/helpers/record-loads.mjs')).href;

const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: lab2-light
backend: wasm
seed: 42
vars:
  model: ${JSON.stringify(join(HF_REFERENCE, 'tiny-gpt2'))}
  prompt: The game began development in
stages:
  wikitext: {kind: load, path: ${JSON.stringify(WIKITEXT_TEST_HEAD)}, format: wikitext}
  rows: {kind: split, input: wikitext, method: ordered, valid: 0.5, head: {train: 24, valid: 8}}
  tokenize: {kind: tokenize, input: rows, mode: bpe, layout: pad, max_length: 32, keep_empty: true}
  generate_base: {kind: generate, base: '\${vars.model}', prompts: ['\${vars.prompt}'], max_new_tokens: 3}
  perplexity_base: {kind: evaluate, base: '\${vars.model}', data: tokenize, part: valid, batch_size: 4}
  finetune: {kind: finetune, base: '\${vars.model}', data: tokenize, valid: tokenize.valid, pads: trained, epochs: 1, batch_size: 8, lr: 0.001}
  perplexity_full: {kind: evaluate, model: finetune, data: tokenize, part: valid, batch_size: 4}
  generate_full: {kind: generate, model: finetune, prompts: ['\${vars.prompt}'], max_new_tokens: 3}
  lora: {kind: lora, base: '\${vars.model}', data: tokenize, valid: tokenize.valid, r: 4, lora_alpha: 8, epochs: 1, batch_size: 8, lr: 0.001}
  perplexity_lora: {kind: evaluate, model: lora, data: tokenize, part: valid, batch_size: 4}
  generate_lora: {kind: generate, model: lora, prompts: ['\${vars.prompt}'], max_new_tokens: 3}
  compare:
    kind: compare
    rows:
      pre-trained: [perplexity_base, generate_base]
      finetuned: [perplexity_full, finetune, generate_full]
      LoRA: [perplexity_lora, lora, generate_lora]
    columns: [valid_perplexity_per_input_token, train_seconds, trainable_params, generated_text]
`;

const STAGES = [
  'wikitext',
  'rows',
  'tokenize',
  'generate_base',
  'perplexity_base',
  'finetune',
  'perplexity_full',
  'generate_full',
  'lora',
  'perplexity_lora',
  'generate_lora',
  'compare',
];

/** The CLI run with the recorder: its result and every module it loaded, as `url<TAB>importer` lines. */
async function runRecorded(dir: string, args: string[]) {
  const record = join(await mkdtemp(join(tmpdir(), 'tfpipe-loads-')), 'loads.txt');
  const result = await runCli(dir, args, { RECORD_LOADS: record }, [process.execPath, '--import', RECORDER, CLI]);
  const loads = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
  rmSync(join(record, '..'), { recursive: true, force: true });
  return { result, loads };
}

/** The recorded lines that name tfjs-core (its URL with the module that imported it). */
const tfjsCore = (loads: string[]) => loads.filter((line) => line.includes('@tensorflow/tfjs-core/'));

test('status and a fully cached rerun of a lab2 pipeline never load tfjs-core; the first run does', async (t) => {
  const dir = await makeProject({ 'p.yaml': PIPELINE });
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = await runRecorded(dir, ['run', 'p.yaml']);
  assert.equal(first.result.code, 0, first.result.stdout + first.result.stderr);
  assert.deepEqual(stagesByAction(first.result.stdout).ran.sort(), [...STAGES].sort());
  assert.ok(
    tfjsCore(first.loads).length > 0,
    'the recorder sees tfjs-core in the run that trains (else it could see nothing)',
  );
  assert.ok(
    first.loads.some((line) => line.includes('/gpt-tokenizer/')),
    'the run that tokenizes loads the BPE tables',
  );

  const status = await runRecorded(dir, ['status', 'p.yaml']);
  assert.equal(status.result.code, 0, status.result.stderr);
  assert.match(status.result.stdout, /^0 of 12 stages will run$/m, status.result.stdout);
  assert.deepEqual(tfjsCore(status.loads), [], 'status loaded tfjs-core (url, importer)');

  const cached = await runRecorded(dir, ['run', 'p.yaml']);
  assert.equal(cached.result.code, 0, cached.result.stdout + cached.result.stderr);
  assert.deepEqual(stagesByAction(cached.result.stdout), { ran: [], cached: STAGES });
  assert.deepEqual(tfjsCore(cached.loads), [], 'the cached run loaded tfjs-core (url, importer)');
  assert.deepEqual(
    cached.loads.filter((line) => line.includes('/gpt-tokenizer/')),
    [],
    'the cached run loaded the BPE tables',
  );
});
