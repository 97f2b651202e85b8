// A run killed mid-stage (SIGINT, then SIGKILL) leaves no partial cache entry; the next run redoes only that
// stage and those after it. The stage killed is the load of a CSV of SLOW_LOAD_ROWS synthetic reviews made in the
// test's project, which takes long enough to be killed in the middle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, runCli, stagesByAction, startCli, waitForOutput } from './helpers.ts';
import { reviewsCsv, SLOW_LOAD_ROWS } from './lab1-fixture.ts';

const PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: interrupt-test
stages:
  small:
    kind: load
    path: reviews.csv
    columns: {text: review, label: sentiment}
  small_split:
    kind: split
    input: small
    test: 0.5
  big:
    kind: load
    path: big.csv
    columns: {text: review, label: sentiment}
  big_split:
    kind: split
    input: big
    method: sklearn
    test: 0.2
    valid: 0.125
    seed: 12
`;

/** Kinds of the complete entries in the cache (folders with a manifest). */
async function cachedKinds(dir: string): Promise<string[]> {
  const root = join(dir, '.tfpipe/cache');
  const kinds: string[] = [];
  for (const name of await readdir(root)) {
    const manifest = await readFile(join(root, name, 'manifest.json'), 'utf8').catch(() => null);
    if (manifest) kinds.push(`${JSON.parse(manifest).tree.kind}`);
  }
  return kinds.sort();
}

/** big_split's figures as sklearn sizes them: the test part rounds up, train is the rest; then valid out of train. */
function bigSplitFigures(rows: number): string {
  const test = Math.ceil(0.2 * rows);
  const valid = Math.ceil(0.125 * (rows - test));
  const figure = (n: number) => n.toLocaleString('en-US');
  return `train_rows ${figure(rows - test - valid)} · valid_rows ${figure(valid)} · test_rows ${figure(test)}`;
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`a run killed with ${signal} while loading leaves no partial entry; the rerun redoes only that stage on`, async (t) => {
    const dir = await makeProject({
      'p.yaml': PIPELINE,
      'reviews.csv': reviewsCsv(40),
      'big.csv': reviewsCsv(SLOW_LOAD_ROWS),
    });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const run = startCli(dir, ['run', 'p.yaml']);
    await waitForOutput(run, '▶ big (load) started');
    run.child.kill(signal);
    const killed = await run.done;
    if (signal === 'SIGINT') {
      assert.equal(killed.code, 130, killed.stdout + killed.stderr);
      assert.match(killed.stdout, /■ big interrupted after .*; nothing of it was kept/);
    } else {
      assert.equal(killed.signal, 'SIGKILL');
    }
    assert.deepEqual(await cachedKinds(dir), ['load', 'split'], 'only the small load and split are complete entries');

    const rerun = await runCli(dir, ['run', 'p.yaml', '--verbose']); // every figure of big_split
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    assert.deepEqual(stagesByAction(rerun.stdout), { ran: ['big', 'big_split'], cached: ['small', 'small_split'] });
    assert.ok(
      rerun.stdout.includes(bigSplitFigures(SLOW_LOAD_ROWS)),
      `${bigSplitFigures(SLOW_LOAD_ROWS)} in\n${rerun.stdout}`,
    );
    const leftovers = await readdir(join(dir, '.tfpipe/cache/tmp')).catch(() => []);
    assert.deepEqual(leftovers, [], 'stale temp folders are cleaned');
  });
}
