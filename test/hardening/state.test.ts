// Run records that tell the truth (issue 13 item 9), with the real CLI: a SIGKILLed run's record lists the stages
// that finished; a stage whose entry another run wrote while this one waited for its lock is "cached (after
// waiting)", not "ran"; an interrupt after the last stage is still an interrupt (exit 130). Orders between two
// processes are fixed by SIGSTOP/SIGCONT and by what each has printed, never by timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../runner/commands/run.ts';
import type { RunRecord } from '../../runner/runs/record.ts';
import { makeProject, runCli, startCli, waitForOutput } from '../cli/helpers.ts';
import { reviewsCsv, SLOW_LOAD_ROWS } from '../cli/lab1-fixture.ts';
import { assertAnswer } from './helpers.ts';

const SMALL = [
  'small: {kind: load, path: reviews.csv, columns: {text: review, label: sentiment}}',
  'small_split: {kind: split, input: small, test: 0.5}',
];
const BIG = 'big: {kind: load, path: big.csv, columns: {text: review, label: sentiment}}';
const pipeline = (...stages: string[]) => `name: p\nbackend: cpu\nstages:\n${stages.map((s) => `  ${s}\n`).join('')}`;

async function records(dir: string): Promise<RunRecord[]> {
  const runs = join(dir, '.tfpipe/runs');
  const names = (await readdir(runs)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(runs, n), 'utf8')) as RunRecord));
}

const stageActions = (record: RunRecord) =>
  record.stages.map((s) => `${s.id} ${s.action}${s.waited ? ' (after waiting)' : ''}`);

test('a run SIGKILLed during its third stage is recorded with the two stages that ran, and listed as interrupted', async (t) => {
  const dir = await makeProject({
    'p.yaml': pipeline(...SMALL, BIG),
    'reviews.csv': reviewsCsv(40),
    'big.csv': reviewsCsv(SLOW_LOAD_ROWS),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = startCli(dir, ['run', 'p.yaml']);
  await waitForOutput(run, '▶ big (load) started');
  run.child.kill('SIGKILL');
  assert.equal((await run.done).signal, 'SIGKILL');

  const [record] = await records(dir);
  assert.equal(record.status, 'running', 'the process never got to finish it');
  assert.deepEqual(stageActions(record), ['small ran', 'small_split ran']);
  assert.equal(record.stages[1].metrics.test_rows, 20);
  assert.ok(
    record.stages.every((s) => s.tree !== undefined),
    'each with its fingerprint tree, for diff',
  );

  const listed = await runCli(dir, ['runs']);
  assertAnswer(listed, { code: 0, messages: [/2 ran, 0 cached/, /interrupted/] });
  const shown = await runCli(dir, ['show', 'LAST']);
  assertAnswer(shown, { code: 0, messages: [/^ +small +load +ran /m, /^ +small_split +split +ran /m] });
});

test('a stage whose entry another run wrote while this one waited is "cached (after waiting)", in the output and the record', async (t) => {
  const dir = await makeProject({ 'p.yaml': pipeline(BIG), 'big.csv': reviewsCsv(SLOW_LOAD_ROWS) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = startCli(dir, ['run', 'p.yaml']);
  t.after(() => first.child.kill('SIGKILL'));
  // Once its lock file exists the first run is writing the entry: stop it there until the second one waits.
  const locks = join(dir, '.tfpipe/cache/locks');
  while (!(await readdir(locks).catch(() => [])).some((n) => n.endsWith('.lock')))
    await new Promise((r) => setTimeout(r, 20));
  first.child.kill('SIGSTOP');
  const second = startCli(dir, ['run', 'p.yaml']);
  await waitForOutput(second, `big: waiting for another run (pid ${first.child.pid}) writing the same entry`);
  first.child.kill('SIGCONT');
  const [a, b] = await Promise.all([first.done, second.done]);

  assertAnswer(a, { code: 0, messages: [/^big \(load\): ran in /m, /done: 1 ran, 0 cached/] });
  assertAnswer(b, {
    code: 0,
    messages: [
      /^↺ big \(load\) cached \(after waiting\)$/m,
      /^big \(load\): cached \(after waiting\)$/m,
      /done: 0 ran, 1 cached/,
    ],
  });
  assert.doesNotMatch(b.stdout, /✔ big done/);
  const byPid = new Map((await records(dir)).map((r) => [r.pid, r]));
  assert.deepEqual(stageActions(byPid.get(first.child.pid!)!), ['big ran']);
  const waited = byPid.get(second.child.pid!)!;
  assert.deepEqual(stageActions(waited), ['big cached (after waiting)']);
  assert.equal(waited.stages[0].metrics.rows, SLOW_LOAD_ROWS, 'the metrics of the entry it reused');
  const shown = await runCli(dir, ['show', waited.id]);
  assertAnswer(shown, { code: 0, messages: [/^ +big +load +cached \(after waiting\) +— /m] });
});

test('an interrupt once the last stage has finished still ends the run as interrupted, exit 130, its work kept', async (t) => {
  const dir = await makeProject({ 'p.yaml': pipeline(...SMALL), 'reviews.csv': reviewsCsv(40) });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const controller = new AbortController();
  let out = '';
  const code = await runCommand(['p.yaml'], {
    // Ctrl-C as the last stage's "done" line is printed: every stage has finished, the run has not
    out: (text) => {
      out += text;
      if (/✔ small_split done/.test(text)) controller.abort(new Error('interrupted'));
    },
    err: (text) => (out += text),
    isTTY: false,
    env: {},
    cwd: dir,
    signal: controller.signal,
  });
  assert.equal(code, 130, out);
  assert.match(out, /^interrupted: 2 ran, 0 cached$/m);
  const [record] = await records(dir);
  assert.equal(record.status, 'interrupted');
  assert.equal(record.exitCode, 130);
  assert.deepEqual(stageActions(record), ['small ran', 'small_split ran']);
  const again = await runCli(dir, ['run', 'p.yaml']);
  assertAnswer(again, { code: 0, messages: [/done: 0 ran, 2 cached/] });
});
