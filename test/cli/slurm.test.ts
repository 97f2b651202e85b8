// `tfpipe run --executor slurm` against a real one-node Slurm cluster (test/helpers/slurm.ts): each stage that runs
// is a batch job; the entries are the ones a local run makes (the executor block is in no fingerprint); independent
// stages overlap; a cancelled job fails the run with its log; Ctrl-C leaves no job behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli, startCli, type CliResult } from './helpers.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { lab2TinyFiles, LAB2_TINY_PIPELINE } from './lab2-tiny-fixture.ts';
import { useSlurm, type SlurmCluster } from '../helpers/slurm.ts';
import type { RunRecord } from '../../runner/runs/record.ts';
import { runsDir } from '../../runner/runs/registry.ts';

const slurm = useSlurm();

/** The executor block the Slurm runs use: part of the file, yet of no fingerprint. */
const EXECUTOR = `executor: {name: slurm, cpus: 1, time: '30'}`;

async function lastRecord(project: string, cache = '.tfpipe/cache'): Promise<RunRecord> {
  const dir = runsDir(join(project, cache));
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return JSON.parse(await readFile(join(dir, names.at(-1)!), 'utf8')) as RunRecord;
}

/** Timing columns and metrics (seconds, throughput) differ between any two runs; every other value must not. */
const TIMING = /(^|_)seconds$|per_s$/;

/** Every file of an entry's out/ folder; history.csv and metrics.json without their timing values. */
async function entryFiles(cacheRoot: string, fingerprint: string): Promise<Map<string, string>> {
  const out = join(cacheRoot, fingerprint, 'out');
  const files = new Map<string, string>();
  for (const name of (await readdir(out, { recursive: true, withFileTypes: true })).filter((d) => d.isFile())) {
    const path = join(name.parentPath, name.name);
    const bytes = await readFile(path);
    const rel = path.slice(out.length + 1);
    if (rel.endsWith('metrics.json')) {
      const metrics = JSON.parse(bytes.toString()) as Record<string, unknown>;
      files.set(rel, JSON.stringify(Object.entries(metrics).filter(([k]) => !TIMING.test(k))));
    } else if (rel.endsWith('history.csv')) {
      const rows = bytes
        .toString()
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const keep = rows[0].map((h, i) => (TIMING.test(h) ? -1 : i)).filter((i) => i >= 0);
      files.set(rel, rows.map((r) => keep.map((i) => r[i]).join(',')).join('\n'));
    } else files.set(rel, bytes.toString('base64'));
  }
  return files;
}

function assertOk(result: CliResult, what: string) {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
}

/** Jobs of tfpipe still known to squeue as pending, running or completing. */
async function liveTfpipeJobs(cluster: SlurmCluster): Promise<string[]> {
  const out = await cluster.command('squeue', ['-h', '-t', 'PENDING,RUNNING,COMPLETING,CONFIGURING', '-o', '%i|%j|%T']);
  return out.split('\n').filter((l) => l.includes('|tfpipe-'));
}

/** Resolves with the id of the job named tfpipe-<stage> once squeue says it runs. */
async function runningJob(cluster: SlurmCluster, stage: string, run: { done: Promise<CliResult> }): Promise<string> {
  let ended = false;
  void run.done.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`the run ended before job tfpipe-${stage} ran`);
    const out = await cluster.command('squeue', ['-h', '-n', `tfpipe-${stage}`, '-t', 'RUNNING', '-o', '%i']);
    const id = out.trim().split('\n')[0];
    if (id) return id;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a lab1-shaped pipeline on Slurm: the entries and metrics of a local run, a job per stage', async (t) => {
  const cluster = slurm(t);
  if (!cluster) return;
  const project = await makeProject({
    'p.yaml': lab1Pipeline({ top: { seed: 0 } }).replace('stages:\n', `${EXECUTOR}\nstages:\n`),
    'reviews.csv': reviewsCsv(400),
  });
  const local = await runCli(project, ['run', 'p.yaml', '--executor', 'local', '--cache-dir', 'local-cache']);
  assertOk(local, 'the local run');
  const onSlurm = await runCli(project, ['run', 'p.yaml'], cluster.env);
  assertOk(onSlurm, 'the Slurm run');

  const [a, b] = [await lastRecord(project, 'local-cache'), await lastRecord(project)];
  assert.deepEqual(a.executor, { name: 'local' });
  assert.equal(b.executor?.name, 'slurm');
  assert.deepEqual(b.executor?.settings, { cpus: 1, time: '30' });
  assert.equal(b.stages.length, a.stages.length);
  for (const [i, stage] of b.stages.entries()) {
    const twin = a.stages[i];
    assert.equal(stage.action, 'ran', `${stage.id} ran on Slurm`);
    // the executor block is in no fingerprint: the same entries
    assert.equal(stage.fingerprint, twin.fingerprint, `${stage.id}'s fingerprint`);
    assert.match(stage.job?.id ?? '', /^\d+$/, `${stage.id} has a job id`);
    assert.equal(stage.job?.state, 'COMPLETED');
    assert.equal(twin.job, undefined);
    const strip = (m: Record<string, unknown>) => Object.entries(m).filter(([k]) => !TIMING.test(k));
    assert.deepEqual(strip(stage.metrics), strip(twin.metrics), `${stage.id}'s metrics`);
    const [mine, theirs] = [
      await entryFiles(join(project, '.tfpipe/cache'), stage.fingerprint),
      await entryFiles(join(project, 'local-cache'), twin.fingerprint),
    ];
    assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort(), `${stage.id}'s files`);
    for (const [name, content] of mine) assert.equal(content, theirs.get(name), `${stage.id}: ${name}`);
  }
  assert.equal(new Set(b.stages.map((s) => s.job!.id)).size, b.stages.length, 'one job per stage');
  const shown = await runCli(project, ['show', b.id]);
  const train = b.stages.find((s) => s.id === 'train')!;
  assert.match(shown.stdout, /^executor {2}slurm \(cpus 1, time "30"\)$/m);
  assert.match(
    shown.stdout,
    new RegExp(`^ +train +train +ran .* ${train.job!.id} completed on \\S+ +${train.fingerprint.slice(0, 12)}$`, 'm'),
  );
  // the live lines name each job and its state
  assert.match(onSlurm.stdout, /train: job \d+ running on \S+/);
  assert.match(onSlurm.stdout, /train: job \d+ completed/);
});

test('lab2-shaped on Slurm: fine-tuning and LoRA, which do not depend on each other, run at once', async (t) => {
  const cluster = slurm(t);
  if (!cluster) return;
  // LoRA over the base model, as in pipelines/lab2.yaml (the tiny fixture chains it after fine-tuning)
  const pipeline = LAB2_TINY_PIPELINE.replace(
    'lora: {kind: lora, model: finetune,',
    "lora: {kind: lora, base: '${vars.gpt2}',",
  )
    .replace(/^ {2}ppl_base: .*\n/m, '')
    .replace(/^ {4}rows: \{base: \[ppl_base\], /m, '    rows: {')
    .replace('seed: 1\n', `seed: 1\n${EXECUTOR}\n`);
  assert.match(pipeline, /lora: \{kind: lora, base:/);
  const project = await makeProject({ ...lab2TinyFiles(), 'p.yaml': pipeline });
  const result = await runCli(project, ['run', 'p.yaml'], cluster.env);
  assertOk(result, 'the Slurm run');
  const record = await lastRecord(project);
  const job = (id: string) => {
    const stage = record.stages.find((s) => s.id === id)!;
    assert.ok(stage.job?.started && stage.job.finished, `${id} has its job's times`);
    return { start: Date.parse(stage.job.started), end: Date.parse(stage.job.finished) };
  };
  const [finetune, lora] = [job('finetune'), job('lora')];
  assert.ok(
    finetune.start < lora.end && lora.start < finetune.end,
    `finetune ran ${JSON.stringify(finetune)}, lora ${JSON.stringify(lora)}: they do not overlap`,
  );
  console.log(
    `# finetune and lora overlapped for ${((Math.min(finetune.end, lora.end) - Math.max(finetune.start, lora.start)) / 1000).toFixed(2)} s`,
  );
});

/** A lab1 whose training runs for minutes (many epochs), to be stopped while its job runs. */
const slowTraining = () => ({
  'p.yaml': lab1Pipeline({ stages: { train: { epochs: 400, keep_best: undefined } } }).replace(
    'stages:\n',
    `${EXECUTOR}\nstages:\n`,
  ),
  'reviews.csv': reviewsCsv(400),
});

test('scancel of a running job fails the run, naming the stage and the end of its log; finished entries stay', async (t) => {
  const cluster = slurm(t);
  if (!cluster) return;
  const project = await makeProject(slowTraining());
  const run = startCli(project, ['run', 'p.yaml'], cluster.env);
  const id = await runningJob(cluster, 'train', run);
  await cluster.command('scancel', [id]);
  const result = await run.done;
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`✖ train failed after .*: slurm job ${id} CANCELLED`));
  assert.match(result.stdout, /the last lines of its log .*train\.log:\n(.*\n)*.*CANCELLED/);
  const record = await lastRecord(project);
  assert.equal(record.status, 'failed');
  const train = record.stages.find((s) => s.id === 'train')!;
  assert.equal(train.job?.id, id);
  assert.equal(train.job?.state, 'CANCELLED');
  assert.equal(record.stages.find((s) => s.id === 'evaluate')!.action, 'not-run');
  // the stages before it keep their entries
  const status = await runCli(project, ['status', 'p.yaml']);
  for (const stage of ['imdb', 'split', 'vocab', 'tokenize'])
    assert.match(status.stdout, new RegExp(`${stage} .*cached`));
  assert.doesNotMatch(status.stdout, /train .*cached/);
});

test('Ctrl-C of the coordinator cancels its jobs: none is left queued or running', async (t) => {
  const cluster = slurm(t);
  if (!cluster) return;
  const project = await makeProject(slowTraining());
  const run = startCli(project, ['run', 'p.yaml'], cluster.env);
  const id = await runningJob(cluster, 'train', run);
  run.child.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, result.stdout + result.stderr);
  assert.deepEqual(await liveTfpipeJobs(cluster), []);
  const train = (await lastRecord(project)).stages.find((s) => s.id === 'train')!;
  assert.equal(train.action, 'interrupted');
  assert.equal(train.job?.id, id);
  assert.equal(train.job?.state, 'CANCELLED');
  // nothing half-written: the next run (local) redoes train, the rest comes from the cache
  const status = await runCli(project, ['status', 'p.yaml']);
  assert.match(status.stdout, /tokenize .*cached/);
});

test('a sweep on Slurm runs its combinations at once, each line tagged with its place in the sweep', async (t) => {
  const cluster = slurm(t);
  if (!cluster) return;
  const project = await makeProject({
    'p.yaml': lab1Pipeline({ stages: { train: { epochs: 12 } } }).replace('stages:\n', `${EXECUTOR}\nstages:\n`),
    'reviews.csv': reviewsCsv(400),
  });
  const result = await runCli(project, ['run', 'p.yaml', '--sweep', 'train.lr=0.05,0.02'], cluster.env);
  assertOk(result, 'the sweep');
  assert.match(result.stdout, /^\[1\/2\] sweep 1\/2: stages\.train\.lr=0\.05$/m);
  assert.match(result.stdout, /^\[2\/2\] ✔ train done in /m);
  const dir = runsDir(join(project, '.tfpipe/cache'));
  const records = await Promise.all(
    (await readdir(dir)).map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as RunRecord),
  );
  assert.equal(records.length, 2);
  const trains = records.map((r) => r.stages.find((s) => s.id === 'train')!.job!);
  const [a, b] = trains.map((j) => ({ start: Date.parse(j.started!), end: Date.parse(j.finished!) }));
  assert.ok(a.start < b.end && b.start < a.end, `the two trainings did not overlap: ${JSON.stringify([a, b])}`);
  // the stages both combinations share ran once: the other run took the entry
  const tokenize = records.map((r) => r.stages.find((s) => s.id === 'tokenize')!);
  assert.deepEqual(tokenize.map((s) => s.action).sort(), ['cached', 'ran']);
});

test('--executor slurm where Slurm is not installed fails at once, in one line, submitting and recording nothing', async () => {
  const project = await makeProject({ 'p.yaml': lab1Pipeline(), 'reviews.csv': reviewsCsv(40) });
  const result = await runCli(project, ['run', 'p.yaml', '--executor', 'slurm'], { PATH: '/nonexistent' });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "tfpipe: --executor slurm: `sinfo` is not installed here (Slurm's client commands are needed)\n",
  );
  await assert.rejects(readdir(runsDir(join(project, '.tfpipe/cache'))));
});
