// Acceptance (issue 13): a GPT-2 checkpoint over 2 GiB and a sharded one load, reading only the tensors they need,
// and give the reference fixture's logits exactly. The large file is the tiny reference GPT-2's tensors behind a
// 4 GiB causal-mask buffer (`transformer.h.0.attn.bias`, [1, 1, 32768, 32768] F32, which the public checkpoints
// store and a loader must ignore) whose bytes are a hole: the file is sparse, so it costs no disk, and the real
// tensors sit past the 4 GiB mark, so every one of them is read at an offset no 32-bit read could reach. Peak memory
// (maxRSS, rss, arrayBuffers) is reported as diagnostics, not asserted; the bytes read are asserted exactly.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../models/backend/select.ts';
import { formatBytes } from '../../models/backend/memory.ts';
import { loadGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model, forwardGpt2 } from '../../models/gpt2/model.ts';
import { openSafetensors, readSafetensors, writeSafetensors, type NamedArray } from '../../models/io/safetensors.ts';
import { forwardCases, maxAbsDiff, TINY_GPT2 } from '../models/gpt2/fixtures.ts';
import { headerFor, writeRawSafetensors, type RawTensor } from '../helpers/safetensors-raw.ts';

const MASK = 'transformer.h.0.attn.bias';
const MASK_SIDE = 32768;
const MASK_BYTES = 4 * MASK_SIDE * MASK_SIDE; // 4 GiB

/** The last position's logits for each reference prompt, from the model in `dir`; stats filled by the load. */
async function lastLogits(dir: string, stats?: { bytesRead: number }): Promise<Float32Array[]> {
  const tensorsBefore = tf.memory().numTensors;
  const model = await loadGpt2(dir, { stats });
  try {
    const out: Float32Array[] = [];
    for (const { ids } of forwardCases()) {
      const { logits } = forwardGpt2(model, [ids]);
      const all = (await logits.data()) as Float32Array;
      logits.dispose();
      const V = all.length / ids.length;
      out.push(all.slice((ids.length - 1) * V));
    }
    return out;
  } finally {
    disposeGpt2Model(model);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the model and its forwards leave no tensor');
  }
}

/** Reports memory around `load` as test diagnostics: peak RSS of the process, and rss / arrayBuffers before → after. */
async function reportMemory<T>(t: TestContext, label: string, load: () => Promise<T>): Promise<T> {
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const result = await load();
  const afterUse = process.memoryUsage();
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  t.diagnostic(
    `${label}: peak RSS ${formatBytes(peakBefore)} → ${formatBytes(peakAfter)}; rss ${formatBytes(before.rss)} → ${formatBytes(afterUse.rss)}; ` +
      `arrayBuffers ${formatBytes(before.arrayBuffers)} → ${formatBytes(afterUse.arrayBuffers)}`,
  );
  return result;
}

function assertSameLogits(actual: Float32Array[], expected: Float32Array[]): void {
  assert.equal(actual.length, expected.length);
  for (const [i, logits] of actual.entries()) {
    assert.deepEqual(logits, expected[i], `prompt ${i}: identical logits`);
    const ref = forwardCases()[i].last_logits_first64;
    assert.ok(maxAbsDiff(logits.subarray(0, ref.length), ref) < 1e-4, `prompt ${i}: within 1e-4 of transformers`);
  }
}

describe('large and sharded GPT-2 checkpoints', () => {
  let work: string;
  let reference: Map<string, NamedArray>;
  let expected: Float32Array[];
  before(async () => {
    await selectBackend('cpu');
    work = await mkdtemp(join(tmpdir(), 'tfpipe-large-'));
    reference = (await readSafetensors(join(TINY_GPT2, 'model.safetensors'))).tensors;
    expected = await lastLogits(TINY_GPT2);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** The reference tensors as raw F32 entries, in the reference file's order. */
  const referenceRaw = (): RawTensor[] =>
    [...reference].map(([name, a]) => ({
      name,
      dtype: 'F32',
      shape: a.shape,
      data: new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    }));

  it("a 4 GiB sparse file loads, reads only the tensors it needs, and gives the fixture's logits", async (t) => {
    const dir = join(work, 'large');
    await mkdir(dir);
    await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
    const tensors: RawTensor[] = [
      { name: MASK, dtype: 'F32', shape: [1, 1, MASK_SIDE, MASK_SIDE], data: MASK_BYTES },
      ...referenceRaw(),
    ];
    const path = join(dir, 'model.safetensors');
    const size = await writeRawSafetensors(path, headerFor(tensors, { format: 'pt' }), tensors);
    const onDisk = (await stat(path)).blocks * 512;
    t.diagnostic(`model.safetensors: ${formatBytes(size)} (${size} bytes), ${formatBytes(onDisk)} on disk (du)`);
    assert.ok(size > 2 ** 32, 'over 4 GiB');
    assert.ok(onDisk < 64 * 2 ** 20, `sparse: ${onDisk} bytes allocated`);

    const reader = await openSafetensors(path);
    const firstReal = [...reader.entries.values()][1];
    await reader.close();
    assert.ok(firstReal.begin > 2 ** 32, 'the real tensors lie past 4 GiB');

    const stats = { bytesRead: 0 };
    const logits = await reportMemory(t, '4 GiB sparse file', () => lastLogits(dir, stats));
    t.diagnostic(`bytes read: ${stats.bytesRead} of ${size} (${formatBytes(stats.bytesRead)})`);
    assert.equal(
      stats.bytesRead,
      size - MASK_BYTES,
      'everything but the mask buffer: the length, the header and each weight once',
    );
    assertSameLogits(logits, expected);
  });

  it('a checkpoint sharded in 3 files (one holding only a 4 GiB mask buffer) loads and gives the same logits', async (t) => {
    const dir = join(work, 'sharded');
    await mkdir(dir);
    await copyFile(join(TINY_GPT2, 'config.json'), join(dir, 'config.json'));
    const names = [...reference.keys()];
    const half = Math.ceil(names.length / 2);
    const shards = [
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ];
    const weightMap: Record<string, string> = {};
    const sizes: number[] = [];
    for (const [i, part] of [names.slice(0, half), names.slice(half)].entries()) {
      await writeSafetensors(join(dir, shards[i]), Object.fromEntries(part.map((n) => [n, reference.get(n)!])), {
        format: 'pt',
      });
      for (const n of part) weightMap[n] = shards[i];
      sizes.push((await stat(join(dir, shards[i]))).size);
    }
    const mask: RawTensor[] = [{ name: MASK, dtype: 'F32', shape: [1, 1, MASK_SIDE, MASK_SIDE], data: MASK_BYTES }];
    const maskFileSize = await writeRawSafetensors(join(dir, shards[2]), headerFor(mask), mask);
    weightMap[MASK] = shards[2];
    await writeFile(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2),
    );
    t.diagnostic(`shards: ${sizes.map((s) => formatBytes(s)).join(', ')}, ${formatBytes(maskFileSize)} (sparse)`);

    const stats = { bytesRead: 0 };
    const logits = await reportMemory(t, 'sharded checkpoint', () => lastLogits(dir, stats));
    t.diagnostic(`bytes read: ${stats.bytesRead} (${formatBytes(stats.bytesRead)})`);
    assert.equal(
      stats.bytesRead,
      sizes[0] + sizes[1] + (maskFileSize - MASK_BYTES),
      "both weight shards whole, the mask shard's header only",
    );
    assertSameLogits(logits, expected);
  });
});
