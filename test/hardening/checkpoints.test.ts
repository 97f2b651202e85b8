// Training checkpoints under attack (issue 13 items 2 and 10): the real CLI SIGKILLed after each checkpoint write
// and resumed until done ends identical to an uninterrupted run; a checkpoint with a flipped byte, then one cut
// short, is reported, set aside inside the cache's checkpoints folder and trained over from scratch, again ending
// identical; the finetune stage does the same; a save killed between its two renames leaves the old checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ownedName } from '../../lib/fs/owner.ts';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpointBytes, MANIFEST_FILE, saveCheckpointBytes } from '../../models/train/checkpoint-files.ts';
import { readCheckpoint } from '../../models/train/checkpoint.ts';
import { readCsvRows } from '../../runner/runs/entry-files.ts';
import { finetuneStage, type FinetuneParams } from '../../stages/finetune.ts';
import { makeProject, runCli, stagesByAction, startCli, type CliResult } from '../cli/helpers.ts';
import { lab1Pipeline, reviewsCsv } from '../cli/lab1-fixture.ts';
import { makeTestContext } from '../helpers/context.ts';
import { packedTokens, TINY_INIT, writeSplitTokens } from '../stages/lm-fixtures.ts';
import { assertAnswer } from './helpers.ts';
import { stageParams } from '../helpers/params.ts';

// A test-sized lab 1 on cpu: a two-layer LSTM with dropout, 4 epochs of 1,080 rows in batches of 8, so that an
// epoch takes long enough for a kill to land in the next one, and dropout makes every (seed, epoch, batch) count.
const EPOCHS = 4;
const PIPELINE = lab1Pipeline({
  name: 'kill',
  top: { seed: undefined, backend: 'cpu' },
  loadId: 'data',
  stages: {
    split: { method: undefined, seed: undefined, test: 0.1, valid: 0.1 },
    vocab: { min_freq: 1, stopwords: 'none' },
    tokenize: { max_length: 8 },
    train: {
      embedding_dim: 16,
      hidden_dim: 16,
      n_layers: 2,
      dropout: 0.1,
      batch_size: 8,
      epochs: EPOCHS,
      bidirectional: undefined,
      optimizer: undefined,
      lr: undefined,
      clip_grad_norm: undefined,
      keep_best: undefined,
    },
    evaluate: { texts: undefined, examples: undefined, label_title: undefined },
  },
});
const FILES = { 'p.yaml': PIPELINE, 'reviews.csv': reviewsCsv(1200) };

async function project(t: { after(fn: () => void): void }): Promise<string> {
  const dir = await makeProject(FILES);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Full-precision figures of a finished run: train history without timings (exported history.csv), evaluate's metrics. */
async function figures(dir: string): Promise<unknown> {
  const root = join(dir, '.tfpipe/metrics/p');
  const history = (await readCsvRows(join(root, 'train/history.csv')))!.map(
    ({ seconds: _s, samples_per_s: _r, ...rest }) => rest,
  );
  return { history, evaluate: JSON.parse(await readFile(join(root, 'evaluate/metrics.json'), 'utf8')) };
}

let straight: Promise<unknown> | undefined;
/** The uninterrupted run's figures, made once. */
function uninterrupted(t: { after(fn: () => void): void }): Promise<unknown> {
  straight ??= (async () => {
    const dir = await project(t);
    const result = await runCli(dir, ['run', 'p.yaml']);
    assertAnswer(result, { code: 0, messages: [/done: 6 ran, 0 cached/] });
    return figures(dir);
  })();
  return straight;
}

/** Starts a run and SIGKILLs it as soon as it prints that epoch `epoch` ended (after that epoch's checkpoint). */
async function killAfterEpoch(
  dir: string,
  epoch: (stdout: string) => number,
): Promise<{ stdout: string; killedAfter: number }> {
  const run = startCli(dir, ['run', 'p.yaml']);
  let finished: CliResult | undefined;
  void run.done.then((r) => (finished = r));
  for (;;) {
    const stdout = run.stdout();
    const target = epoch(stdout);
    if (new RegExp(`^ {2}train: Epoch ${target}:`, 'm').test(stdout)) {
      run.child.kill('SIGKILL');
      const killed = await run.done;
      assert.equal(killed.signal, 'SIGKILL', `the run was still going:\n${killed.stdout}${killed.stderr}`);
      return { stdout: killed.stdout, killedAfter: target };
    }
    if (finished) assert.fail(`the run ended before epoch ${target} ended:\n${finished.stdout}${finished.stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The epoch a run says it resumes at, or 1 when it trains from scratch (undefined until it has said either). */
function resumedAt(stdout: string): number | undefined {
  const resuming = /train: resuming at epoch (\d+) of/.exec(stdout);
  if (resuming) return Number(resuming[1]);
  return /^ {2}train: Epoch 1:/m.test(stdout) ? 1 : undefined;
}

/** The checkpoint folder of the training (set-aside folders excluded) and the data file its manifest names. */
async function checkpointFiles(dir: string): Promise<{ folder: string; data: string }> {
  const root = join(dir, '.tfpipe/cache/checkpoints');
  // every stage gets a (mostly empty) folder; the train stage's is the one with a manifest
  const keys: string[] = [];
  for (const name of await readdir(root))
    if (!name.includes('.damaged-') && (await readdir(join(root, name))).includes(MANIFEST_FILE)) keys.push(name);
  assert.equal(keys.length, 1, `one checkpoint: ${keys}`);
  const folder = join(root, keys[0]);
  return { folder, data: join(folder, JSON.parse(await readFile(join(folder, MANIFEST_FILE), 'utf8')).file) };
}

const trainedEpochs = (stdout: string) => [...stdout.matchAll(/^ {2}train: Epoch (\d+):/gm)].map((m) => Number(m[1]));

test('SIGKILLed after each checkpoint write and resumed each time, the training ends identical to an uninterrupted one', async (t) => {
  const expected = await uninterrupted(t);
  const dir = await project(t);
  const kills: number[] = [];
  let start = 1; // the epoch the next run must start at
  while (start < EPOCHS) {
    // kill after the first epoch this run trains: the checkpoint then holds at least one more epoch than before
    const { stdout, killedAfter } = await killAfterEpoch(dir, (out) => resumedAt(out) ?? Infinity);
    assert.equal(resumedAt(stdout), start, `run ${kills.length + 1} started where the checkpoint was:\n${stdout}`);
    kills.push(killedAfter);
    const held = (await readCheckpoint((await checkpointFiles(dir)).folder))!.state.epochsDone;
    assert.ok(held >= killedAfter, `the checkpoint holds epoch ${held}, the run printed epoch ${killedAfter}`);
    start = held + 1;
  }
  assert.ok(kills.length >= 2, `killed after epochs ${kills}`);
  const last = await runCli(dir, ['run', 'p.yaml']);
  const resumed =
    start > EPOCHS
      ? /train: checkpoint already holds all 4 epochs/
      : new RegExp(`train: resuming at epoch ${start} of ${EPOCHS} \\(from checkpoint\\)`);
  assertAnswer(last, { code: 0, messages: [resumed] });
  assert.deepEqual(
    trainedEpochs(last.stdout),
    Array.from({ length: EPOCHS - start + 1 }, (_, i) => start + i),
  );
  assert.deepEqual(stagesByAction(last.stdout), {
    ran: ['train', 'evaluate'],
    cached: ['data', 'split', 'vocab', 'tokenize'],
  });
  assert.deepEqual(await figures(dir), expected);
});

test('a checkpoint with a flipped byte, then one cut short, is reported, set aside, and trained over, ending identical', async (t) => {
  const expected = await uninterrupted(t);
  const dir = await project(t);
  const damages = [
    {
      name: 'flipped byte',
      reason: /checkpoint\.[0-9a-f]{16}\.safetensors has sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…/,
      damage: async (data: string) => {
        const bytes = await readFile(data);
        bytes[bytes.length - 5] ^= 0x10; // a weight's float, as in the loss-2.3e36 case
        await writeFile(data, bytes);
      },
    },
    {
      name: 'truncated',
      reason: /checkpoint\.[0-9a-f]{16}\.safetensors has \d+ bytes, the manifest says \d+/,
      damage: (data: string) => truncate(data, 1000),
    },
  ];
  await killAfterEpoch(dir, () => 2);
  for (const [i, { name, reason, damage }] of damages.entries()) {
    const { folder, data } = await checkpointFiles(dir);
    await damage(data);
    // the first rerun is killed again after epoch 2, leaving a sound checkpoint for the second damage
    const rerun = i < damages.length - 1 ? await killAfterEpoch(dir, () => 2) : await runCli(dir, ['run', 'p.yaml']);
    const report = new RegExp(
      `train: the checkpoint is damaged \\(${reason.source}\\); set aside as (\\S+); training from scratch`,
    );
    const said = report.exec(rerun.stdout);
    assert.ok(said, `${name}: reported in the stage's output:\n${rerun.stdout}`);
    assert.equal(
      said[1].startsWith(`${folder}.damaged-`),
      true,
      `${name}: set aside next to itself, in the checkpoints folder: ${said[1]}`,
    );
    assert.ok((await readdir(said[1])).includes(MANIFEST_FILE), `${name}: kept, not deleted`);
    assert.doesNotMatch(rerun.stdout, /resuming at epoch/);
    assert.deepEqual(trainedEpochs(rerun.stdout).slice(0, 2), [1, 2], `${name}: from epoch 1`);
  }
  assert.deepEqual(await figures(dir), expected);
  const again = await runCli(dir, ['run', 'p.yaml']);
  assertAnswer(again, { code: 0, messages: [/done: 0 ran, 6 cached/] });
});

const FINETUNE = stageParams<FinetuneParams>('finetune', {
  base: TINY_INIT,
  epochs: 2,
  batch_size: 4,
  lr: 3e-3,
  weight_decay: 0.01,
  warmup_steps: 2,
  logging_steps: 1,
  checkpoint_every: 2,
  seed: 11,
});

test('finetune: a checkpoint with a flipped byte is set aside and the run ends bit-identical to an uninterrupted one', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const data = await writeSplitTokens(packedTokens(24, 12), packedTokens(6, 12, 999));
  const whole = await makeTestContext({ stageId: 'finetune' });
  const uninterrupted = await finetuneStage.run(whole, FINETUNE, { data });

  const controller = new AbortController();
  let label = '';
  const first = await makeTestContext({
    stageId: 'finetune',
    signal: controller.signal,
    progress: {
      start: (_total, _unit, l) => (label = l ?? ''),
      update: (done) => label === 'epoch 2/2' && done === 3 && controller.abort(),
      status: () => {},
    },
  });
  await assert.rejects(finetuneStage.run(first, FINETUNE, { data }));
  const manifest = JSON.parse(await readFile(join(first.checkpointDir, MANIFEST_FILE), 'utf8'));
  const path = join(first.checkpointDir, manifest.file);
  const bytes = await readFile(path);
  bytes[bytes.length - 5] ^= 0x10;
  await writeFile(path, bytes);

  const second = await makeTestContext({ stageId: 'finetune', checkpointDir: first.checkpointDir });
  const result = await finetuneStage.run(second, FINETUNE, { data });
  assert.ok(
    second.lines.some((l) =>
      /^the checkpoint is damaged \(checkpoint\.[0-9a-f]{16}\.safetensors has sha256 .*; set aside as \S+ckpt\.damaged-\S+; training from scratch$/.test(
        l,
      ),
    ),
    second.lines.join('\n'),
  );
  assert.ok(!result.summary!.some((l) => /resumed/.test(l)), result.summary!.join('\n'));
  assert.ok(
    (await readFile(join(whole.outDir, 'model.safetensors'))).equals(
      await readFile(join(second.outDir, 'model.safetensors')),
    ),
    'bit-identical weights',
  );
  const steps = async (dir: string) =>
    (await readCsvRows(join(dir, 'steps.csv')))!.map(({ tokens_per_s: _, ...row }) => row);
  assert.deepEqual(await steps(second.outDir), await steps(whole.outDir), 'the step log starts over with the training');
  assert.equal(result.metrics!.valid_loss, uninterrupted.metrics!.valid_loss);
  assert.equal(tf.memory().numTensors, before);
});

test('a save killed between writing its data and its manifest leaves the old checkpoint, and the next save clears its litter', async () => {
  const ctx = await makeTestContext();
  const dir = ctx.checkpointDir;
  const old = Buffer.from('old checkpoint bytes');
  await saveCheckpointBytes(dir, old);
  // what a kill after the data's rename and during the manifest's temp write leaves behind
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  await writeFile(join(dir, 'checkpoint.0123456789abcdef.safetensors'), 'new checkpoint bytes');
  await writeFile(ownedName(join(dir, MANIFEST_FILE), '.tmp', dead), '{"format": "tfpipe-che');
  // and a save of another live process, in progress
  const live = basename(ownedName(join(dir, MANIFEST_FILE), '.tmp', process.ppid));
  await writeFile(join(dir, live), '{"format": "tfpipe-che');
  const loaded = await loadCheckpointBytes(dir);
  assert.equal(loaded.status, 'ok');
  assert.ok(loaded.status === 'ok' && loaded.bytes.equals(old));
  await saveCheckpointBytes(dir, Buffer.from('next checkpoint bytes'));
  const names = (await readdir(dir)).sort();
  assert.equal(names.length, 3, names.join(', '));
  assert.deepEqual(names.slice(1), [MANIFEST_FILE, live], "the live process's temp file is left alone");
  const next = await loadCheckpointBytes(dir);
  assert.ok(next.status === 'ok' && next.bytes.toString() === 'next checkpoint bytes');
});
