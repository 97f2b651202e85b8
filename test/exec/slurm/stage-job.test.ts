// The job a batch script carries: the script passes it to `tfpipe exec-stage -` unchanged, whatever its text; a
// file that is not a job is refused with what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { batchScript, JOB_FORMAT, parseStageJob, type StageJob } from '../../../runner/exec/slurm/stage-job.ts';

const JOB = {
  format: JOB_FORMAT,
  tfpipe: '0.1.0',
  run: '20261204-101010-abcd',
  stage: { id: 'generate', kind: 'generate', params: { prompts: ['it\'s "quoted"\nTFPIPE_JOB\n$HOME `x`'] } },
  fingerprint: 'f'.repeat(64),
  tree: { kind: 'generate', version: 1 },
  inputs: {},
  seed: 1,
  specFile: "/tmp/o'brien/p.yaml",
  backend: 'cpu',
  cacheRoot: '/tmp/cache',
} as unknown as StageJob;

test('the batch script hands the job to its command byte for byte (quotes, $, backquotes, the end marker)', async () => {
  // the "command" prints its arguments and standard input as JSON
  const echo = [
    process.execPath,
    '-e',
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({a:process.argv.slice(1),s})))',
  ];
  const script = batchScript(JOB, echo);
  const out = await new Promise<string>((resolve, reject) =>
    execFile('sh', ['-c', script], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  const { a, s } = JSON.parse(out) as { a: string[]; s: string };
  assert.deepEqual(a, ['exec-stage', '-']);
  assert.deepEqual(parseStageJob(s, 'stdin'), JOB);
});

test('a file that is not a job is refused, saying why', () => {
  assert.throws(() => parseStageJob('{not json', 'job.json'), /^Error: job.json is not a tfpipe job \(/);
  assert.throws(
    () => parseStageJob('{"format":"x"}', 'job.json'),
    /job.json is not a tfpipe-job\/1 job \(format "x"\)/,
  );
  const { cacheRoot: _, ...partial } = JOB;
  assert.throws(() => parseStageJob(JSON.stringify(partial), 'job.json'), /job.json: the job has no `cacheRoot`/);
});
