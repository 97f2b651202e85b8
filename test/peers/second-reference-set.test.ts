// The parity tests are not tuned to the committed reference set: make_reference_set.py writes a second set with other
// shapes, seed, LoRA settings and LSTM variants (made by test/peers' plain-PyTorch models, not transformers and peft),
// and the key parity files run on it unchanged in a child process (TFPIPE_HF_REFERENCE; cpu and wasm).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HF_REFERENCE, REPO_ROOT } from '../helpers/context.ts';
import { runPython, torchMissing } from './torch.ts';

/** The parity files run on the second set: the GPT-2 forward, greedy, loading, AdamW, LoRA and LSTM checks. */
const PARITY_FILES = [
  'test/models/gpt2/forward.test.ts',
  'test/models/gpt2/generate.test.ts',
  'test/models/gpt2/load.test.ts',
  'test/models/gpt2/train.test.ts',
  'test/models/gpt2/wasm.test.ts',
  'test/models/lora/lora.test.ts',
  'test/models/lstm/parity.test.ts',
  'test/models/lstm/weights.test.ts',
  'test/models/backend/kernels.test.ts',
  'test/stages/text/bpe.test.ts',
];

const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

describe('a second reference set made by make_reference_set.py', { skip: torchMissing() ?? false }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfpipe-reference-set-'));
    runPython(['-B', join(REPO_ROOT, 'test/peers/make_reference_set.py'), dir]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('differs from the committed set in every property the parity tests must read', () => {
    const lstm = (dir: string) => json(dir, 'lstm.json') as { name: string; [key: string]: unknown }[];
    const properties: [string, (dir: string) => unknown][] = [
      ...['n_positions', 'n_embd', 'n_layer', 'n_head', 'n_inner'].map((key): [string, (dir: string) => unknown] => [
        `config.json ${key}`,
        (d) => json(d, 'tiny-gpt2/config.json')[key],
      ]),
      ['the number of prompts', (d) => json(d, 'tiny-gpt2-forward.json').cases.length],
      [
        'the prompt lengths',
        (d) => json(d, 'tiny-gpt2-forward.json').cases.map((c: { ids: number[] }) => c.ids.length),
      ],
      [
        'the training batch shape',
        (d) => [json(d, 'tiny-gpt2-train.json').batch.length, json(d, 'tiny-gpt2-train.json').batch[0].length],
      ],
      ['the AdamW settings', (d) => json(d, 'tiny-gpt2-train.json').optimizer],
      ['the AdamW step count', (d) => json(d, 'tiny-gpt2-train.json').losses.length],
      ...['r', 'alpha', 'target_modules'].map((key): [string, (dir: string) => unknown] => [
        `LoRA ${key}`,
        (d) => json(d, 'tiny-gpt2-lora.json').lora[key],
      ]),
      ['the LoRA optimizer', (d) => json(d, 'tiny-gpt2-lora.json').optimizer],
      ['the LSTM variants', (d) => lstm(d).map((c) => c.name)],
      ...['vocab', 'embedding_dim', 'hidden_dim', 'output_dim', 'pad_index', 'length', 'optimizer'].map(
        (key): [string, (dir: string) => unknown] => [`LSTM ${key}`, (d) => lstm(d)[0][key]],
      ),
      ['the LSTM step count', (d) => (lstm(d)[0].losses as number[]).length],
      ['the tokenizer strings', (d) => json(d, 'tokenizer.json').length],
    ];
    for (const [what, read] of properties) assert.notDeepEqual(read(dir), read(HF_REFERENCE), what);
  });

  it('passes the parity tests unchanged', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TFPIPE_HF_REFERENCE: dir, TFPIPE_TEST_BACKENDS: 'cpu,wasm' };
    delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child reporting to this one
    const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=tap', ...PARITY_FILES];
    const run = promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, env, maxBuffer: 64 << 20 });
    const { stdout } = await run.catch((error: { stdout?: string; code?: number }) => {
      const failures = (error.stdout ?? '').split('\n').filter((line) => /^\s*not ok|^\s*error:/.test(line));
      assert.fail(
        `the parity tests failed on the second set (exit ${error.code}; to rerun one: python3 test/peers/make_reference_set.py DIR, then TFPIPE_HF_REFERENCE=DIR node --import tsx --test FILE):\n${failures.join('\n')}`,
      );
    });
    const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(stdout)?.[1]);
    assert.equal(count('fail'), 0);
    assert.ok(count('pass') > 0, 'the parity tests ran');
  });
});
