// `tfpipe gc` through the real CLI: after a sweep and a run of the edited pipeline file, `gc --keep-runs 1` lists
// (--dry-run) and then removes exactly the entries and checkpoint folders only the older runs used, with their
// bytes, leaves the current pipeline cached, never touches an entry whose lock a live process holds, and removes
// the Slurm job folders of runs it does not keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli } from './helpers.ts';
import { dataPipeline, reviewsWithRareWords } from '../runs/fixtures.ts';
import { lab1Pipeline, reviewsCsv } from './lab1-fixture.ts';
import { tryAcquireLock } from '../../lib/fs/lock.ts';
import { loadStageKind } from '../../stages/registry.ts';
import { resumeKey } from '../../runner/cache/fingerprint.ts';
import type { RunRecord } from '../../runner/runs/record.ts';

async function records(dir: string): Promise<RunRecord[]> {
  const runs = join(dir, '.tfpipe/runs');
  const all = await Promise.all(
    (await readdir(runs)).map(async (n) => JSON.parse(await readFile(join(runs, n), 'utf8')) as RunRecord),
  );
  return all.sort((a, b) => a.started.localeCompare(b.started));
}

/** Bytes of the regular files below `dir`, counted independently of gc's own walk. */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

/** Resume keys of a run's stages, as run-stage.ts computes them from the recorded trees. */
async function resumeKeys(record: RunRecord): Promise<string[]> {
  return Promise.all(
    record.stages.map(async (s) => resumeKey(s.tree!, (await loadStageKind(s.kind)).resumeCompatible ?? [])),
  );
}

/** The item lines gc prints: [type, short name, kind ('' for none), bytes]. */
function listed(stdout: string): [string, string, string, number][] {
  return [...stdout.matchAll(/^ {2}(entry|checkpoint|jobs) +(\S+) +(?:(\S+) +)?([\d,]+) bytes$/gm)].map((m) => [
    m[1],
    m[2],
    m[3] ?? '',
    Number(m[4].replaceAll(',', '')),
  ]);
}

const sortRows = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();

test('gc keeps what the last run and its pipeline file use, frees the rest, and leaves a locked entry', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(40) });
  const cache = join(dir, '.tfpipe/cache');
  const sweep = await runCli(dir, ['run', 'p.yaml', '--sweep', 'vocab.min_freq=1,2']);
  assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
  await writeFile(join(dir, 'p.yaml'), dataPipeline('lab', 3)); // the file as it reads now
  const edited = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(edited.code, 0, edited.stderr + edited.stdout);

  const runs = await records(dir);
  assert.equal(runs.length, 3);
  const last = runs[2];
  const keptPrints = new Set(last.stages.map((s) => s.fingerprint));
  const keptKeys = new Set(await resumeKeys(last));
  // vocab and tokenize of min_freq 1 and 2: used by the sweep's runs alone (load and split are shared).
  const oldStages = runs.slice(0, 2).flatMap((r) => r.stages.filter((s) => !keptPrints.has(s.fingerprint)));
  assert.deepEqual(oldStages.map((s) => s.id).sort(), ['tokenize', 'tokenize', 'vocab', 'vocab']);
  const oldKeys = [...new Set((await Promise.all(runs.slice(0, 2).map(resumeKeys))).flat())].filter(
    (k) => !keptKeys.has(k),
  );
  assert.equal(oldKeys.length, 4);
  // A Slurm run leaves its job files under jobs/<run id>: the first sweep run's go, the last run's stay.
  for (const r of [runs[0], last]) {
    await mkdir(join(cache, 'jobs', r.id), { recursive: true });
    await writeFile(join(cache, 'jobs', r.id, 'job.log'), `log of ${r.id}\n`);
  }

  const expected: [string, string, string, number][] = [
    ...(await Promise.all(
      oldStages.map(
        async (s) =>
          ['entry', s.fingerprint.slice(0, 12), s.kind, await treeBytes(join(cache, s.fingerprint))] as [
            string,
            string,
            string,
            number,
          ],
      ),
    )),
    ...(await Promise.all(
      oldKeys.map(
        async (k) =>
          ['checkpoint', k.slice(0, 12), '', await treeBytes(join(cache, 'checkpoints', k))] as [
            string,
            string,
            string,
            number,
          ],
      ),
    )),
    ['jobs', runs[0].id, '', await treeBytes(join(cache, 'jobs', runs[0].id))],
  ];
  const total = expected.reduce((sum, row) => sum + row[3], 0);
  assert.ok(expected.filter((r) => r[0] === 'entry').every((r) => r[3] > 0));

  const dry = await runCli(dir, ['gc', '--keep-runs', '1', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  assert.deepEqual(sortRows(listed(dry.stdout)), sortRows(expected));
  assert.match(
    dry.stdout,
    new RegExp(
      `^would remove 4 cache entries, 4 checkpoints, 1 job folder: ${total.toLocaleString('en-US')} bytes`,
      'm',
    ),
  );
  for (const s of oldStages) assert.ok(existsSync(join(cache, s.fingerprint)), 'a dry run removes nothing');
  for (const k of oldKeys) assert.ok(existsSync(join(cache, 'checkpoints', k)));
  assert.ok(existsSync(join(cache, 'jobs', runs[0].id)));

  // A live process (this test) holds the lock of one old entry: gc must leave that entry alone.
  const locked = oldStages[0].fingerprint;
  await mkdir(join(cache, 'locks'), { recursive: true });
  const held = await tryAcquireLock(join(cache, 'locks', `${locked}.lock`));
  assert.equal(held.status, 'acquired');
  const gc = await runCli(dir, ['gc', '--keep-runs', '1']);
  if (held.status === 'acquired') await held.lock.release();
  assert.equal(gc.code, 0, gc.stderr + gc.stdout);
  const freed = expected.filter((r) => r[1] !== locked.slice(0, 12));
  assert.deepEqual(sortRows(listed(gc.stdout)), sortRows(freed));
  const freedBytes = freed.reduce((sum, row) => sum + row[3], 0);
  assert.match(
    gc.stdout,
    new RegExp(
      `^removed 3 cache entries, 4 checkpoints, 1 job folder: freed ${freedBytes.toLocaleString('en-US')} bytes`,
      'm',
    ),
  );
  assert.match(
    gc.stdout,
    new RegExp(`^left alone: entry +${locked.slice(0, 12)} .*a running run holds its lock \\(pid ${process.pid} `, 'm'),
  );
  assert.ok(existsSync(join(cache, locked)), 'the locked entry is still there');
  for (const s of oldStages.slice(1))
    assert.ok(!existsSync(join(cache, s.fingerprint)), `${s.id} ${s.fingerprint} removed`);
  for (const k of oldKeys) assert.ok(!existsSync(join(cache, 'checkpoints', k)));
  assert.ok(!existsSync(join(cache, 'jobs', runs[0].id)));
  assert.ok(existsSync(join(cache, 'jobs', last.id)), "the kept run's job folder stays");
  for (const fp of keptPrints) assert.ok(existsSync(join(cache, fp)));
  for (const k of keptKeys) assert.ok(existsSync(join(cache, 'checkpoints', k)));
  assert.deepEqual(await readdir(join(cache, 'tmp')), [], 'nothing left in tmp/');

  const status = await runCli(dir, ['status', 'p.yaml']);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(status.stdout.trimEnd().split('\n'), [
    'load      cached',
    'split     cached',
    'vocab     cached',
    'tokenize  cached',
    '0 of 4 stages will run',
  ]);

  // Released, the entry goes on the next gc, and then nothing is left to remove.
  const again = await runCli(dir, ['gc', '--keep-runs', '1']);
  assert.deepEqual(listed(again.stdout), [expected.find((r) => r[1] === locked.slice(0, 12))!]);
  assert.ok(!existsSync(join(cache, locked)));
  const none = await runCli(dir, ['gc', '--keep-runs', '1', '--dry-run']);
  assert.match(none.stdout, /^nothing to remove$/m);
});

test("gc removes an old sweep member's training checkpoint and keeps the kept run's", async () => {
  // The file says lr 0.05 but only the swept 0.02 and 0.03 ever ran: the newest run (0.03) alone is kept.
  const pipeline = lab1Pipeline({ stages: { train: { epochs: 1 } } });
  const dir = await makeProject({ 'p.yaml': pipeline, 'reviews.csv': reviewsCsv(100) });
  const cache = join(dir, '.tfpipe/cache');
  const sweep = await runCli(dir, ['run', 'p.yaml', '--backend', 'cpu', '--sweep', 'train.lr=0.02,0.03']);
  assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
  const [old, last] = await records(dir);
  const train = (r: RunRecord) => r.stages.find((s) => s.id === 'train')!;
  const [oldKey, lastKey] = await Promise.all(
    [old, last].map(async (r) => resumeKey(train(r).tree!, (await loadStageKind('train')).resumeCompatible ?? [])),
  );
  const oldBytes = await treeBytes(join(cache, 'checkpoints', oldKey));
  assert.ok(oldBytes > 0, 'the training wrote a checkpoint');

  const gc = await runCli(dir, ['gc', '--keep-runs', '1']);
  assert.equal(gc.code, 0, gc.stderr + gc.stdout);
  const removed = listed(gc.stdout);
  assert.deepEqual(
    removed
      .filter((r) => r[0] === 'entry')
      .map((r) => r[2])
      .sort(),
    ['evaluate', 'train'],
    'the old run shares everything up to tokenize with the kept one',
  );
  assert.ok(removed.some((r) => r[0] === 'checkpoint' && r[1] === oldKey.slice(0, 12) && r[3] === oldBytes));
  assert.ok(!existsSync(join(cache, 'checkpoints', oldKey)));
  assert.ok((await treeBytes(join(cache, 'checkpoints', lastKey))) > 0, "the kept run's checkpoint stays");
  assert.ok(existsSync(join(cache, train(last).fingerprint)));
  assert.ok(!existsSync(join(cache, train(old).fingerprint)));
});

test('gc FILE keeps that pipeline cached even when no kept run used it', async () => {
  const dir = await makeProject({ 'p.yaml': dataPipeline('lab', 1), 'reviews.csv': reviewsWithRareWords(20) });
  const run = await runCli(dir, ['run', 'p.yaml']);
  assert.equal(run.code, 0, run.stderr);
  const [record] = await records(dir);
  const dry = await runCli(dir, ['gc', 'p.yaml', '--keep-runs', '0', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^nothing to remove$/m);
  const all = await runCli(dir, ['gc', '--keep-runs', '0', '--dry-run']);
  assert.deepEqual(
    listed(all.stdout)
      .filter((r) => r[0] === 'entry')
      .map((r) => r[1])
      .sort(),
    record.stages.map((s) => s.fingerprint.slice(0, 12)).sort(),
  );
});

test('gc names the flag it cannot use', async () => {
  const dir = await makeProject({});
  const bad = await runCli(dir, ['gc', '--keep-runs', 'ten']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--keep-runs takes a whole number of runs, got `ten`/);
  const since = await runCli(dir, ['gc', '--since', 'yesterday']);
  assert.equal(since.code, 2);
  assert.match(since.stderr, /--since takes a date .*, got `yesterday`/);
  const unknown = await runCli(dir, ['gc', '--keep', '3']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--keep/);
  const help = await runCli(dir, ['gc', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: tfpipe gc /);
  assert.ok(!existsSync(join(dir, '.tfpipe')), 'gc on a project without a cache creates nothing');
});
