// `tfpipe exec-stage` (what a Slurm job runs) refuses a job this install would compute differently from what its
// fingerprint says (another tfpipe, another version of the stage kind), saying so in its log and its result, and
// writes nothing to the cache. Runs without Slurm: the job file is given by path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { JOB_FORMAT, type StageJob } from '../../runner/exec/slurm/stage-job.ts';
import { TFPIPE_VERSION } from '../../runner/cache/version.ts';
import { loadStageKind } from '../../stages/registry.ts';

async function job(project: string, changes: Partial<StageJob> & { version?: number }): Promise<StageJob> {
  const split = await loadStageKind('split');
  const { version, ...rest } = changes;
  return {
    format: JOB_FORMAT,
    tfpipe: TFPIPE_VERSION,
    run: '20261204-101010-abcd',
    stage: { id: 'split', kind: 'split', params: {} },
    fingerprint: 'a'.repeat(64),
    tree: {
      kind: 'split',
      version: version ?? split.version,
      params: {},
      inputs: {},
      files: {},
      seed: 0,
      tfpipe: '0.1',
    },
    inputs: {},
    seed: 0,
    specFile: join(project, 'p.yaml'),
    backend: 'cpu',
    cacheRoot: join(project, 'cache'),
    events: join(project, 'split.events.jsonl'),
    ...rest,
  } as StageJob;
}

async function execJob(project: string, body: StageJob) {
  await writeFile(join(project, 'job.json'), JSON.stringify(body));
  const result = await runCli(project, ['exec-stage', 'job.json']);
  const events = (await readFile(join(project, 'split.events.jsonl'), 'utf8')).trim().split('\n');
  return { result, last: JSON.parse(events.at(-1)!) as { type: string; action: string; error?: string } };
}

test('a job from another tfpipe version is refused before anything runs', async () => {
  const project = await makeProject({});
  const { result, last } = await execJob(project, await job(project, { tfpipe: '9.9.9' }));
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(
      `this node has tfpipe ${TFPIPE_VERSION.replaceAll('.', '\\.')}, the run that submitted the job has 9\\.9\\.9`,
    ),
  );
  assert.equal(last.type, 'job-result');
  assert.equal(last.action, 'failed');
  assert.match(last.error!, /has 9\.9\.9$/);
  assert.deepEqual(await readdir(project).then((names) => names.filter((n) => n === 'cache')), []);
});

test("a job whose stage kind has another version here is refused (the entry's key would lie)", async () => {
  const project = await makeProject({});
  const { result, last } = await execJob(project, await job(project, { version: 999 }));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /this node's split is version \d+, the job's is 999/);
  assert.equal(last.action, 'failed');
});

test('a job whose input is in no cache fails naming the input and the cache', async () => {
  const project = await makeProject({});
  const body = await job(project, {
    inputs: {
      input: {
        stage: 'load',
        entry: 'b'.repeat(64),
        output: 'table',
        path: '',
        type: 'table',
        fingerprint: `${'b'.repeat(64)}/table`,
      },
    } as unknown as StageJob['inputs'],
  });
  const { result } = await execJob(project, body);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /input `input` \(stage load\) is not in the cache .*cache/);
});

test('exec-stage is not listed in the help', async () => {
  const project = await makeProject({});
  const help = await runCli(project, ['--help']);
  assert.doesNotMatch(help.stdout, /exec-stage/);
  assert.match(help.stdout, /\brun\b/);
});
