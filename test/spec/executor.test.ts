// The `executor:` block: checked like the rest of the file (each problem at its file:line:col), loaded with its
// defaults, and its stage and kind names must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../../runner/spec/load.ts';

const STAGES = `stages:
  text: {kind: load, path: t.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.5}
`;

async function load(executor: string) {
  const dir = await mkdtemp(join(tmpdir(), 'tfpipe-executor-'));
  await writeFile(join(dir, 't.txt'), 'a\nb\nc\nd\n');
  await writeFile(join(dir, 'p.yaml'), `name: x\n${executor}\n${STAGES}`);
  return loadPipeline(join(dir, 'p.yaml'));
}

function problems(result: Awaited<ReturnType<typeof load>>) {
  assert.equal(result.ok, false);
  return result.ok
    ? []
    : result.problems.map((p) => [p.code, `${p.location?.line}:${p.location?.col}`, p.message, p.hint]);
}

test('a valid block loads as written, name defaulting to local', async () => {
  const result = await load(`executor:\n  partition: gpu\n  kinds: {split: {cpus: 2}}\n  stages: {text: {time: '10'}}`);
  assert.ok(result.ok);
  assert.deepEqual(result.spec.executor, {
    name: 'local',
    partition: 'gpu',
    kinds: { split: { cpus: 2 } },
    stages: { text: { time: '10' } },
  });
});

test('executor.stages and executor.kinds must name stages and kinds that exist', async () => {
  const found = problems(
    await load(`executor:\n  name: slurm\n  stages: {splt: {cpus: 2}}\n  kinds: {finetun: {gres: 'gpu:1'}}`),
  );
  assert.deepEqual(found[0], [
    'unknown-stage',
    '4:12',
    '`executor.stages` names unknown stage `splt`',
    'did you mean `split`? stages: text, split',
  ]);
  assert.equal(found[1][0], 'unknown-kind');
  assert.equal(found[1][1], '5:11');
  assert.match(found[1][3] as string, /^did you mean `finetune`\?/);
});

test('an unknown executor and a bad time are reported at their values, saying what is expected', async () => {
  const found = problems(await load(`executor:\n  name: kubernetes\n  time: 'two hours'`));
  assert.equal(found.length, 2);
  assert.deepEqual(found[0].slice(0, 2), ['bad-enum', '3:9']);
  assert.match(found[0][2] as string, /`executor.name` must be one of local, slurm/);
  // a value that does not match its pattern: the key's description says what is expected, not the expression
  assert.deepEqual(found[1], [
    'bad-value',
    '4:9',
    '`executor.time` is not of the expected form, got string "two hours"',
    'Time limit per job (sbatch --time): minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]].',
  ]);
});
