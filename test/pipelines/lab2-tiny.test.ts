// Lab 2's graph end to end through the CLI, at toy size: base perplexity → full fine-tuning → LoRA → generation →
// comparison on a few lines of text with a GPT-2 from {init}; a second run takes every stage from the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProject, runCli, stagesByAction } from '../cli/helpers.ts';
import { lab2TinyFiles } from '../cli/lab2-tiny-fixture.ts';

test('tfpipe run: base perplexity, finetune, lora, generate and the comparison table; the second run is all cached', async () => {
  const dir = await makeProject(lab2TinyFiles());
  const first = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const ids = [
    'text',
    'split',
    'tokenize',
    'ppl_base',
    'finetune',
    'ppl_full',
    'lora',
    'ppl_lora',
    'generate',
    'compare',
  ];
  assert.deepEqual(stagesByAction(first.stdout).ran.sort(), [...ids].sort());
  assert.match(first.stdout, /trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}/);
  assert.match(first.stdout, /perplexity\s+trainable_params/);
  assert.match(first.stdout, /^\s+LoRA\s+[\d,.]+\s+[\d,]+$/m);
  assert.match(first.stdout, /"The model is[^"]*" \(4 new tokens, max-tokens\)/);

  const second = await runCli(dir, ['run', 'p.yaml', '--verbose']); // the cached stages' figures too
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.deepEqual(stagesByAction(second.stdout), { ran: [], cached: ids });
  assert.match(
    second.stdout,
    /lora_valid_perplexity [\d,.]+ · lora_trainable_params 64/,
    'with --verbose, the cached compare stage still reports its figures',
  );
});
