// The homework's Lab 2 procedure (3(b)–3(e)) against PyTorch, on the tiny reference checkpoint and the first 10% of
// the WikiText-2 test rows (the whole test file with TFPIPE_DATA, else the excerpt that ships in data/), padded to
// the checkpoint's n_positions with empty lines kept:
//   - tfpipe's evaluate stage against the homework's evaluate_perplexity run verbatim in PyTorch (homework_procedure.py
//     on the plain-torch GPT-2, which reproduces the checkpoint's transformers loss: torch-reference.test.ts): the
//     per-input-token perplexity, and the per-predicted-token one from the same sums;
//   - one training step of tfpipe's finetune stage with the pads ignored and with them trained on, against one
//     Trainer-like step in PyTorch: the loss before the step, and the loss after it (torch computes it on the model
//     tfpipe wrote, and on its own updated model);
//   - the warm-up + linear learning rate against transformers' get_linear_schedule_with_warmup under torch's LambdaLR.
// Agreement within 1e-4 relative. Without torch the tests say why they did not run.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { selectBackend } from '../../models/backend/select.ts';
import { readTokenParts, writeTokens, type Tokens } from '../../stages/artifacts/tokens.ts';
import { evaluateStage } from '../../stages/evaluate.ts';
import { finetuneStage, type FinetuneParams } from '../../stages/finetune.ts';
import { loadStage } from '../../stages/load.ts';
import { splitStage } from '../../stages/split.ts';
import type { ArtifactRef, ArtifactType, Fingerprint } from '../../stages/stage.ts';
import { tokenizeStage, type TokenizeParams } from '../../stages/tokenize.ts';
import { scheduledLr } from '../../stages/lm/train-params.ts';
import { FULL_DATA, makeTestContext, WIKITEXT_TEST_HEAD } from '../helpers/context.ts';
import { stageParams } from '../helpers/params.ts';
import { TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { runPython, torchMissing } from './torch.ts';

const SCRIPT = join(import.meta.dirname, 'homework_procedure.py');
const RELATIVE = 1e-4;
const skip = torchMissing() ?? undefined;

const fullTest = FULL_DATA ? join(FULL_DATA, 'wikitext-2-raw-v1/test.txt.gz') : undefined;
const source = fullTest && existsSync(fullTest) ? fullTest : WIKITEXT_TEST_HEAD;
const nPositions = (JSON.parse(readFileSync(join(TINY_GPT2, 'config.json'), 'utf8')) as { n_positions: number })
  .n_positions;

const ref = (type: ArtifactType, dir: string, stage: string, output: string): ArtifactRef => ({
  type,
  dir,
  stage,
  output,
  fingerprint: `${stage}/${output}` as Fingerprint,
});

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= RELATIVE * Math.abs(expected),
    `${what}: tfpipe ${actual}, PyTorch ${expected}`,
  );
}

/** The rows as the Python side takes them: ids and the attention mask (1 on a row's real tokens). */
function batchJson(tokens: Tokens, rows: number[], extra: Record<string, unknown> = {}): string {
  const input_ids = rows.map((r) => Array.from(tokens.ids.subarray(r * tokens.width, (r + 1) * tokens.width)));
  const attention_mask = rows.map((r) =>
    Array.from({ length: tokens.width }, (_, t) => (t < tokens.lengths[r] ? 1 : 0)),
  );
  return JSON.stringify({ input_ids, attention_mask, pad_token_id: tokens.padId, ...extra });
}

describe('the homework procedure against PyTorch', { skip }, () => {
  let tokens: Tokens;
  let tokensRef: ArtifactRef;

  before(async () => {
    await selectBackend('wasm');
    // 3(b): the first 10% of the rows (select(range(len // 10))), one padded row per line, empty lines kept.
    const load = await makeTestContext({ stageId: 'wikitext' });
    await loadStage.run(load, { path: source, format: 'wikitext' }, {});
    const split = await makeTestContext({ stageId: 'rows' });
    await splitStage.run(split, stageParams('split', { method: 'ordered', head: 0.1 }), {
      input: ref('dataset', load.outDir, 'wikitext', 'dataset'),
    });
    const tokenize = await makeTestContext({ stageId: 'tokenize' });
    const params = stageParams<TokenizeParams>('tokenize', {
      mode: 'bpe',
      layout: 'pad',
      max_length: nPositions,
      keep_empty: true,
    });
    await tokenizeStage.run(tokenize, params, { input: ref('splits', split.outDir, 'rows', 'splits') });
    tokens = (await readTokenParts(tokenize.outDir)).train!;
    tokensRef = ref('tokens', join(tokenize.outDir, 'train'), 'tokenize', 'train');
    console.log(
      `${source}: ${tokens.rows} rows of ${tokens.width} tokens, ${Array.from(tokens.lengths).filter((l) => l === 0).length} of them empty`,
    );
  });

  it('3(c): per-input-token perplexity = the homework evaluate_perplexity; per-predicted-token from the same sums', async () => {
    const ctx = await makeTestContext({ stageId: 'ppl' });
    await evaluateStage.run(ctx, stageParams('evaluate', { base: TINY_GPT2, part: 'train', batch_size: 4 }), {
      data: tokensRef,
    });
    const metrics = JSON.parse(await readFile(join(ctx.outDir, 'metrics.json'), 'utf8')) as Record<string, number>;
    const torch = JSON.parse(
      runPython([SCRIPT, 'perplexity', TINY_GPT2], batchJson(tokens, [...Array(tokens.rows).keys()])),
    ) as Record<string, number>;
    console.log(
      `perplexity per input token: tfpipe ${metrics.train_perplexity_per_input_token}, PyTorch (homework) ${torch.per_input_token}`,
    );
    console.log(
      `perplexity per predicted token: tfpipe ${metrics.train_perplexity}, PyTorch ${torch.per_predicted_token}`,
    );
    assert.equal(metrics.train_input_tokens, torch.input_tokens, 'attention_mask.sum()');
    assert.equal(metrics.train_tokens, torch.predicted_tokens, 'the shifted labels that are not -100');
    close(metrics.train_perplexity_per_input_token, torch.per_input_token, 'per input token');
    close(metrics.train_perplexity, torch.per_predicted_token, 'per predicted token');
  });

  for (const pads of ['ignored', 'trained'] as const) {
    it(`one training step with the pads ${pads}: the loss before and after it`, async () => {
      // The first rows hold an empty line (padding only), short lines and, where the source has one, a long one.
      const rows = [...Array(Math.min(8, tokens.rows)).keys()];
      const dir = join((await makeTestContext()).scratchDir, 'step-tokens');
      await mkdir(dir);
      await writeTokens(dir, subset(tokens, rows));
      const step = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, max_grad_norm: 1 };
      const ctx = await makeTestContext({ stageId: 'finetune' });
      const params = stageParams<FinetuneParams>('finetune', {
        base: TINY_GPT2,
        epochs: 1,
        batch_size: rows.length,
        shuffle: false,
        logging_steps: 1,
        pads,
        ...step,
      });
      await finetuneStage.run(ctx, params, {
        data: ref('tokens', dir, 'tokenize', 'train'),
        valid: ref('tokens', dir, 'tokenize', 'valid'),
      });
      const logged = parse(await readFile(join(ctx.outDir, 'steps.csv'), 'utf8'), { columns: true, cast: true }) as {
        step: number;
        loss: number;
      }[];

      const batch = batchJson(tokens, rows, { pads, ...step });
      const torch = JSON.parse(runPython([SCRIPT, 'step', TINY_GPT2], batch)) as {
        loss_before: number;
        loss_after: number;
      };
      const tfpipeAfter = JSON.parse(runPython([SCRIPT, 'loss', ctx.outDir], batch)) as { loss: number };
      console.log(
        `pads ${pads}: loss before the step tfpipe ${logged[0].loss}, PyTorch ${torch.loss_before}; after it ${tfpipeAfter.loss} (tfpipe's model), ${torch.loss_after} (PyTorch's)`,
      );
      close(logged[0].loss, torch.loss_before, 'loss before the step');
      close(tfpipeAfter.loss, torch.loss_after, 'loss after the step');
      assert.ok(
        Math.abs(torch.loss_after - torch.loss_before) > 10 * RELATIVE * torch.loss_before,
        'the step moves the loss well beyond the tolerance',
      );
    });
  }

  it('the warm-up + linear learning rate at steps 0, 1, warmup-1, warmup, mid and last, as transformers schedules it', () => {
    // The homework's LoRA run: 500 warm-up steps of 1,377 (3 epochs of 459 batches of 8).
    const settings = { lr: 5e-5, schedule: 'linear' as const, warmupSteps: 500 };
    const total = 1377;
    const torch = JSON.parse(
      runPython(
        [join(import.meta.dirname, 'lr_schedule.py')],
        JSON.stringify({ lr: settings.lr, warmup: settings.warmupSteps, total }),
      ),
    ) as number[];
    for (const step of [
      0,
      1,
      settings.warmupSteps - 1,
      settings.warmupSteps,
      Math.floor((settings.warmupSteps + total) / 2),
      total - 1,
    ]) {
      const ours = scheduledLr(settings, total, step);
      assert.ok(
        Math.abs(ours - torch[step]) <= 1e-12 * settings.lr,
        `step ${step}: tfpipe ${ours}, transformers ${torch[step]}`,
      );
    }
  });
});

/** The given rows of `tokens` as a tokens artifact of their own. */
function subset(tokens: Tokens, rows: number[]): Tokens {
  const w = tokens.width;
  const take = (a: Int32Array, width: number) =>
    Int32Array.from(rows.flatMap((r) => Array.from(a.subarray(r * width, (r + 1) * width))));
  return {
    ...tokens,
    rows: rows.length,
    ids: take(tokens.ids, w),
    lengths: take(tokens.lengths, 1),
    labels: take(tokens.labels!, w),
  };
}
