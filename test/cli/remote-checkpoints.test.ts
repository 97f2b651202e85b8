// Training checkpoints on the remote cache: a training interrupted on one machine pushes its last checkpoint; a run
// on another machine (an empty cache, the same remote) takes it and resumes there, ending with the model an
// uninterrupted training makes. Against an S3 server on 127.0.0.1 and the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProject, runCli, startCli, waitForOutput } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { BUCKET, useS3Server } from '../cache/remote/s3-server.ts';

const s3 = useS3Server();

const STAGES = { train: { epochs: 40, keep_best: undefined } };

/** The trained model's bytes in a cache: the train stage's entry named by the last run record's fingerprint. */
async function trainedModel(project: string, cache: string): Promise<Buffer> {
  const shown = await runCli(project, ['runs', '--json', '--cache-dir', cache]);
  const runs = JSON.parse(shown.stdout) as { stages: { id: string; fingerprint: string }[] }[];
  const train = runs.at(-1)!.stages.find((s) => s.id === 'train')!;
  return readFile(join(cache, train.fingerprint, 'out/model.safetensors'));
}

test('a training interrupted on one machine resumes on another from the checkpoint it pushed', async (t) => {
  const server = s3(t);
  if (!server) return;
  const url = `s3://${BUCKET}/checkpoints-${process.pid}`;
  const project = await makeProject({
    'p.yaml': lab1Pipeline({ top: { remote: url }, stages: STAGES }),
    'alone.yaml': lab1Pipeline({ stages: STAGES }),
    'reviews.csv': reviewsCsv(400),
  });
  const [cacheA, cacheB, cacheC] = await Promise.all([1, 2, 3].map(() => mkdtemp(join(tmpdir(), 'tfpipe-cache-'))));

  const first = startCli(project, ['run', 'p.yaml', '--cache-dir', cacheA], server.env);
  await waitForOutput(first, 'train: Epoch 2:');
  first.child.kill('SIGINT');
  const stopped = await first.done;
  assert.equal(stopped.code, 130, stopped.stdout + stopped.stderr);
  assert.match(stopped.stdout, /train: checkpoint pushed to s3:\/\/\S+ \(/);

  const second = await runCli(project, ['run', 'p.yaml', '--cache-dir', cacheB], server.env);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /train: took the checkpoint from s3:\/\/\S+ \(/);
  const resumed = /train: resuming at epoch (\d+) of 40/.exec(second.stdout);
  assert.ok(resumed && Number(resumed[1]) >= 3, `the training resumed:\n${second.stdout}`);

  // the same training, never interrupted, with no remote at all
  const alone = await runCli(project, ['run', 'alone.yaml', '--cache-dir', cacheC]);
  assert.equal(alone.code, 0, alone.stdout + alone.stderr);
  assert.doesNotMatch(alone.stdout, /resuming/);
  assert.ok((await trainedModel(project, cacheB)).equals(await trainedModel(project, cacheC)), 'the same model');
});
