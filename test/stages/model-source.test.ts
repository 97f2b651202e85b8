// Where a GPT-2 stage's model comes from, seen from the stage: the files a local `base` folder contributes to the
// fingerprint (single file, shards, a folder with only pytorch_model.bin), a sharded folder loaded as a base, and
// the memory check counting what the stage will hold (finetune: 4 copies of the weights).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { finetuneStage } from '../../stages/finetune.ts';
import { modelSourceFiles } from '../../stages/lm/model-files.ts';
import { disposeLm, loadLmModel } from '../../stages/lm/model-source.ts';
import { readSafetensors, writeSafetensors } from '../../models/io/safetensors.ts';
import { makeTestContext } from '../helpers/context.ts';
import { TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { packedTokens, writeSplitTokens } from './lm-fixtures.ts';
import { stageParams } from '../helpers/params.ts';

await tf.setBackend('cpu');

/** The reference checkpoint split over two shards with an index. */
async function shardedCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-sharded-'));
  await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
  const { tensors } = await readSafetensors(join(TINY_GPT2, 'model.safetensors'));
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of [names.slice(0, 5), names.slice(5)].entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    await writeSafetensors(join(dir, file), Object.fromEntries(part.map((n) => [n, tensors.get(n)!])));
    for (const n of part) weightMap[n] = file;
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  return dir;
}

describe('model source', () => {
  const env = (baseDir: string) => ({ env: {}, baseDir, cacheRoot: join(baseDir, '.cache') });

  it('fingerprints a folder by config.json and the weight files it has: the single file, or the index and its shards', async () => {
    const single = modelSourceFiles({ base: TINY_GPT2 }, env(tmpdir())).map((f) => f.path);
    assert.deepEqual(single, [join(TINY_GPT2, 'config.json'), join(TINY_GPT2, 'model.safetensors')]);
    const sharded = await shardedCopy();
    assert.deepEqual(
      modelSourceFiles({ base: sharded }, env(tmpdir())).map((f) => f.path),
      [
        'config.json',
        'model.safetensors.index.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
      ].map((f) => join(sharded, f)),
    );
  });

  it('fingerprints a folder with only pytorch_model.bin by its config, so the load says to convert it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfpipe-torch-'));
    await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
    await writeFile(join(dir, 'pytorch_model.bin'), 'not read');
    assert.deepEqual(
      modelSourceFiles({ base: dir }, env(tmpdir())).map((f) => f.path),
      [join(dir, 'config.json')],
    );
    const ctx = await makeTestContext({ stageId: 'gen' });
    await assert.rejects(
      loadLmModel(ctx, { base: dir }, undefined, { attachAdapter: true }),
      /found pytorch_model\.bin but no model\.safetensors\. tfpipe reads safetensors; convert with/,
    );
  });

  it('loads a sharded folder as a base to the same weights as the single file', async () => {
    const before = tf.memory().numTensors;
    const ctx = await makeTestContext({ stageId: 'gen' });
    const values = async (base: string) => {
      const loaded = await loadLmModel(ctx, { base }, undefined, { attachAdapter: true });
      try {
        return Object.fromEntries(
          await Promise.all(Object.entries(loaded.model.params).map(async ([k, v]) => [k, await v.data()] as const)),
        );
      } finally {
        disposeLm(loaded);
      }
    };
    assert.deepEqual(await values(await shardedCopy()), await values(TINY_GPT2));
    assert.equal(tf.memory().numTensors, before);
  });

  it('finetune counts weights, gradients and AdamW m and v against memory, before allocating', async () => {
    // An `init` whose weights alone are about half the host's memory: 4 copies cannot fit, whatever is free.
    const C = 8192;
    const n_layer = Math.min(256, Math.ceil((0.5 * totalmem()) / (4 * 12 * C * C)));
    const before = tf.memory().numTensors;
    const data = await writeSplitTokens(packedTokens(8, 12), packedTokens(2, 12, 5));
    const ctx = await makeTestContext({ stageId: 'ft' });
    await assert.rejects(
      finetuneStage.run(
        ctx,
        stageParams('finetune', {
          base: { init: { n_layer, n_head: 64, n_embd: C } },
          epochs: 1,
          batch_size: 2,
          lr: 1e-3,
        }),
        { data },
      ),
      new RegExp(
        `base \`init\`: a GPT-2 of n_layer ${n_layer}, n_embd ${C}, vocab_size 50257, for full-training, needs [\\d.]+ GiB \\([\\d.]+B parameters × 4 bytes × 4 \\(weights, gradients, AdamW m and v\\)\\), but [\\d.]+ [KMG]iB is available`,
      ),
    );
    assert.equal(tf.memory().numTensors, before, 'refused before a tensor was made');
  });
});
