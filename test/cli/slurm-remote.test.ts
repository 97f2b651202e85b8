// Slurm jobs on nodes without the shared folder (executor.job_cache): each job works in a cache of its own, pulls
// the inputs it lacks from the remote cache and pushes its entry there, and the run pulls it back. Shown with a real
// one-node cluster and an S3 server on 127.0.0.1, the job's "node-local" cache being a folder of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { reviewsCsv } from './lab1-fixture.ts';
import { BUCKET, useS3Server } from '../cache/remote/s3-server.ts';
import { useSlurm } from '../helpers/slurm.ts';

const s3 = useS3Server();
const slurm = useSlurm();

const pipeline = (url: string, jobCache: string) => `name: slurm-remote
remote: ${url}
executor: {name: slurm, job_cache: ${jobCache}}
stages:
  data: {kind: load, path: reviews.csv, columns: {text: review, label: sentiment}}
  split: {kind: split, input: data, valid: 0.25, test: 0.25}
  vocab: {kind: vocab, input: split, min_freq: 1}
`;

/** Fingerprints of the complete entries under a cache root. */
async function entries(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
}

test('jobs with a cache of their own meet the run in the remote cache', async (t) => {
  const server = s3(t);
  const cluster = slurm(t);
  if (!server || !cluster) return;
  const jobCache = await mkdtemp(join(tmpdir(), 'tfpipe-node-cache-'));
  const project = await makeProject({
    'p.yaml': pipeline(`s3://${BUCKET}/slurm-remote-${process.pid}`, jobCache),
    'reviews.csv': reviewsCsv(60),
  });
  const env = { ...server.env, ...cluster.env };

  // the upstream stages run here (and are pushed); only vocab goes to a job, whose empty cache has none of them
  const local = await runCli(project, ['run', 'p.yaml', '--executor', 'local', '--to', 'split'], env);
  assert.equal(local.code, 0, local.stdout + local.stderr);
  const result = await runCli(project, ['run', 'p.yaml', '--only', 'vocab'], env);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /vocab: job \d+ completed/);

  const runCache = await entries(join(project, '.tfpipe/cache'));
  const nodeCache = await entries(jobCache);
  assert.equal(runCache.length, 3, 'the run has data, split and vocab');
  // the job pulled split (its input) and wrote vocab into its own cache; the run pulled vocab from the remote
  assert.equal(nodeCache.length, 2, `the job's cache holds split and vocab: ${nodeCache.join(', ')}`);
  for (const fp of nodeCache) assert.ok(runCache.includes(fp));
  const status = await runCli(project, ['status', 'p.yaml'], env);
  assert.match(status.stdout, /vocab .*cached/);
});
