// The plain-PyTorch GPT-2, LoRA and LSTM of test/peers (torch_gpt2.py, torch_lstm.py; no transformers, no peft)
// reproduce the reference set that transformers and peft made: reference_set.py recomputes every output of the set
// in HF_REFERENCE from its inputs, and each is compared here with the file's value to float32 precision.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HF_REFERENCE, REPO_ROOT } from '../helpers/context.ts';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../../models/io/safetensors.ts';
import { selectBackend } from '../../models/backend/select.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2, type Gpt2Model } from '../../models/gpt2/model.ts';
import { IGNORE_INDEX } from '../../models/gpt2/batch.ts';
import {
  forwardCases,
  LORA_STEP3,
  loraFixture,
  maxAbsDiff,
  TINY_GPT2,
  tinyConfig,
  trainFixture,
  type ForwardCase,
} from '../models/gpt2/fixtures.ts';
import { heldTensors } from '../helpers/held.ts';
import { runPython, torchMissing } from './torch.ts';

/** Max |Δ|: one logit, a loss, a log-prob or an adapter weight; a sum over the vocabulary; relative, a loss. */
const TOL = { value: 1e-5, vocabSum: 1e-4, lossRel: 1e-5 };

interface Replay {
  forward: ForwardCase[];
  hub_layout_equal: boolean;
  train: { losses: number[] };
  lora: {
    losses: number[];
    adapter: Record<string, number[]>;
    after_step3: ReturnType<typeof loraFixture>['after_step3'];
  };
  lstm: { name: string; logits: number[][]; losses: number[] }[];
}

const maxRelDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
const skip = torchMissing() ?? false;

describe('the PyTorch reference (test/peers) against the transformers/peft reference set', { skip }, () => {
  let replay: Replay;
  before(() => {
    replay = JSON.parse(
      runPython(['-B', join(REPO_ROOT, 'test/peers/reference_set.py'), 'replay', HF_REFERENCE]),
    ) as Replay;
  });

  it("GPT-2 forward: each prompt's HF loss, last logits, top-5, per-position sums, next-token log-probs and greedy tokens", () => {
    const cases = forwardCases();
    assert.equal(replay.forward.length, cases.length);
    for (const [i, ref] of cases.entries()) {
      const got = replay.forward[i];
      assert.ok(Math.abs(got.loss - ref.loss) < TOL.value, `prompt ${i} loss ${got.loss} vs ${ref.loss}`);
      assert.ok(maxAbsDiff(got.last_logits_first64, ref.last_logits_first64) < TOL.value, `prompt ${i} last logits`);
      assert.deepEqual(got.last_logits_top5, ref.last_logits_top5, `prompt ${i} top-5`);
      assert.ok(maxAbsDiff(got.logit_sum_per_pos, ref.logit_sum_per_pos) < TOL.vocabSum, `prompt ${i} sums`);
      assert.ok(maxAbsDiff(got.next_token_logprob, ref.next_token_logprob) < TOL.value, `prompt ${i} log-probs`);
      assert.deepEqual(got.greedy_20, ref.greedy_20, `prompt ${i} greedy tokens`);
    }
    assert.ok(replay.hub_layout_equal, 'the hub layout holds the same weights');
  });

  it("AdamW: the losses around tiny-gpt2-train.json's steps", () => {
    const ref = trainFixture().losses;
    assert.equal(replay.train.losses.length, ref.length);
    assert.ok(maxRelDiff(replay.train.losses, ref) < TOL.lossRel, `${replay.train.losses} vs ${ref}`);
  });

  it('LoRA from tiny-gpt2-lora-init: the losses, the adapter after the last step, the logits after it and merged', async () => {
    const ref = loraFixture();
    assert.equal(replay.lora.losses.length, ref.losses.length);
    assert.ok(maxRelDiff(replay.lora.losses, ref.losses) < TOL.lossRel, `${replay.lora.losses} vs ${ref.losses}`);
    const { tensors } = await readSafetensors(join(LORA_STEP3, 'adapter_model.safetensors'));
    assert.deepEqual(Object.keys(replay.lora.adapter).sort(), [...tensors.keys()].sort());
    for (const [name, array] of tensors) assert.ok(maxAbsDiff(replay.lora.adapter[name], array.data) < TOL.value, name);
    const got = replay.lora.after_step3;
    assert.ok(maxAbsDiff(got.last_logits_first64, ref.after_step3.last_logits_first64) < TOL.value);
    assert.ok(maxAbsDiff(got.logit_sum_per_pos, ref.after_step3.logit_sum_per_pos) < TOL.vocabSum);
    assert.ok(
      got.merged_max_abs_diff < TOL.value && ref.after_step3.merged_max_abs_diff < TOL.value,
      'merging keeps the function in both',
    );
  });

  it("LSTM: each classifier's logits and the losses around its Adam steps (lstm.json)", () => {
    const cases = JSON.parse(readFileSync(join(HF_REFERENCE, 'lstm.json'), 'utf8')) as {
      name: string;
      logits: number[][];
      losses: number[];
    }[];
    assert.deepEqual(
      replay.lstm.map((c) => c.name),
      cases.map((c) => c.name),
    );
    for (const [i, ref] of cases.entries()) {
      assert.ok(maxAbsDiff(replay.lstm[i].logits.flat(), ref.logits.flat()) < TOL.value, `${ref.name} logits`);
      assert.equal(replay.lstm[i].losses.length, ref.losses.length);
      assert.ok(maxRelDiff(replay.lstm[i].losses, ref.losses) < TOL.lossRel, `${ref.name} losses`);
    }
  });
});

describe('torch_gpt2.py loss: right padding, -100 labels and an attention mask', { skip }, () => {
  let model: Gpt2Model;
  before(async () => {
    await selectBackend('cpu');
    model = await loadGpt2(TINY_GPT2);
  });
  after(() => disposeGpt2Model(model));

  it("gives the per-prompt HF losses' token-weighted mean over a padded batch of every prompt, as tfpipe does", async () => {
    const cases = forwardCases();
    const width = Math.max(...cases.map((c) => c.ids.length));
    const pad = tinyConfig().eos_token_id;
    const fill = (row: number[], value: number) => [...row, ...new Array(width - row.length).fill(value)];
    const batch = {
      ids: cases.map((c) => fill(c.ids, pad)),
      labels: cases.map((c) => fill(c.ids, IGNORE_INDEX)),
      attention_mask: cases.map((c) =>
        fill(
          c.ids.map(() => 1),
          0,
        ),
      ),
    };
    const counted = cases.reduce((n, c) => n + c.ids.length - 1, 0);
    const expected = cases.reduce((sum, c) => sum + c.loss * (c.ids.length - 1), 0) / counted;
    const torch = JSON.parse(
      runPython(['-B', join(REPO_ROOT, 'test/peers/torch_gpt2.py'), 'loss', TINY_GPT2], JSON.stringify(batch)),
    ) as { loss: number; tokens: number };
    assert.equal(torch.tokens, counted);
    assert.ok(Math.abs(torch.loss - expected) < TOL.value, `torch ${torch.loss} vs the fixture's ${expected}`);
    const keep = heldTensors();
    try {
      const { loss } = keep(
        forwardGpt2(model, batch.ids, { labels: batch.labels, attentionMask: batch.attention_mask }),
      );
      const tfpipe = (await loss!.data())[0];
      assert.ok(Math.abs(tfpipe - torch.loss) < 1e-4, `tfpipe ${tfpipe} vs torch ${torch.loss}`);
    } finally {
      keep.dispose();
    }
    assert.equal(tf.memory().numTensors, Object.keys(model.params).length, 'only the model is left');
  });
});
