// Invalid pipelines: each problem's code, message, place (file:line:col, counted in the fixture) and hint.
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPipeline } from '../../runner/spec/load.ts';
import { knownKinds } from '../../runner/spec/kinds.ts';
import type { SpecProblem } from '../../runner/spec/types.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const DIR = join(REPO_ROOT, 'test/fixtures/specs/invalid');
const VALID = join(REPO_ROOT, 'test/fixtures/specs/valid');

async function problemsOf(file: string, set?: string[]): Promise<SpecProblem[]> {
  const result = await loadPipeline(file, { set });
  assert.equal(result.ok, false, `${file} should be invalid`);
  return result.ok ? [] : result.problems;
}

/** "file.yaml:9:5" */
function place(p: SpecProblem): string {
  assert.ok(p.location, `problem without location: ${p.message}`);
  return `${basename(p.location.file)}:${p.location.line}:${p.location.col}`;
}

/** The one problem of a fixture, as [code, place, message, hint]. */
async function onlyProblem(name: string): Promise<[string, string, string, string | undefined]> {
  const problems = await problemsOf(join(DIR, name));
  assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
  const [p] = problems;
  return [p.code, place(p), p.message, p.hint];
}

describe('invalid pipeline specs', () => {
  it('reports a typo in a key at the key, with a did-you-mean and the allowed keys', async () => {
    const [code, at, message, hint] = await onlyProblem('unknown-key.yaml');
    assert.equal(code, 'unknown-key');
    assert.equal(at, 'unknown-key.yaml:9:5');
    assert.equal(message, 'unknown key `metod` in stage `split` (kind split)');
    assert.match(hint!, /^did you mean `method`\? allowed keys: kind, description, input, method, /);
  });

  it('reports a value of the wrong type at the value', async () => {
    const [code, at, message] = await onlyProblem('wrong-type.yaml');
    assert.equal(code, 'wrong-type');
    assert.equal(at, 'wrong-type.yaml:9:11');
    assert.equal(message, '`seed` must be integer, got string "5"');
  });

  it('lists the allowed values of an enum, top level and in a stage', async () => {
    const problems = await problemsOf(join(DIR, 'bad-enum.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message, p.hint]),
      [
        [
          'bad-enum',
          'bad-enum.yaml:2:10',
          '`backend` must be one of auto, cpu, wasm, webgpu, tensorflow; got string "gpu"',
          'did you mean `webgpu`?',
        ],
        [
          'bad-enum',
          'bad-enum.yaml:10:13',
          '`method` must be one of random, sklearn, ordered; got string "randm"',
          'did you mean `random`?',
        ],
      ],
    );
  });

  it('reports a reference to a stage that does not exist', async () => {
    const [code, at, message, hint] = await onlyProblem('dangling-ref.yaml');
    assert.equal(code, 'unknown-stage');
    assert.equal(at, 'dangling-ref.yaml:8:12');
    assert.equal(message, '`split.input` names unknown stage `dat`');
    assert.equal(hint, 'did you mean `data`? stages: data');
  });

  it('reports an input of the wrong artifact type and the outputs that would fit', async () => {
    const [code, at, message, hint] = await onlyProblem('wrong-artifact.yaml');
    assert.equal(code, 'wrong-artifact-type');
    assert.equal(at, 'wrong-artifact.yaml:12:12');
    assert.equal(message, '`inner.input` expects dataset, but `outer` gives splits');
    assert.equal(hint, 'did you mean `outer.train`, `outer.valid` or `outer.test`?');
  });

  it('prints the path of a cycle in data-flow order, at the input that closes it', async () => {
    const [code, at, message] = await onlyProblem('cycle.yaml');
    assert.equal(code, 'cycle');
    assert.equal(at, 'cycle.yaml:8:12');
    assert.equal(message, 'cycle: a -> b -> c -> a');
  });

  it('reports a stage that takes its own output', async () => {
    const [code, at, message] = await onlyProblem('self-reference.yaml');
    assert.equal(code, 'cycle');
    assert.equal(at, 'self-reference.yaml:5:12');
    assert.equal(message, '`split.input` refers to its own stage `split`');
  });

  it('reports a duplicate stage id at the second one, naming the first', async () => {
    const [code, at, message] = await onlyProblem('duplicate-id.yaml');
    assert.equal(code, 'duplicate-key');
    assert.equal(at, 'duplicate-id.yaml:9:3');
    assert.equal(message, 'duplicate stage id `data` (first at line 3)');
  });

  it('reports broken YAML syntax where the parser stops', async () => {
    const [code, at, message] = await onlyProblem('syntax.yaml');
    assert.equal(code, 'yaml-syntax');
    assert.equal(at, 'syntax.yaml:6:3');
    assert.match(message, /^YAML syntax error: Flow sequence .* end with a \]$/);
  });

  it('reports an extends loop with its chain, at the extends that closes it', async () => {
    const [code, at, message] = await onlyProblem('loop-a.yaml');
    assert.equal(code, 'extends-loop');
    assert.equal(at, 'loop-b.yaml:2:10');
    assert.equal(message, 'extends loop: loop-a.yaml -> loop-b.yaml -> loop-a.yaml');
  });

  it('reports a missing base file at the extends value', async () => {
    const [code, at, message] = await onlyProblem('extends-missing.yaml');
    assert.equal(code, 'extends-missing');
    assert.equal(at, 'extends-missing.yaml:2:10');
    assert.match(message, /^base pipeline `no-such-base\.yaml` not found \(looked for .*no-such-base\.yaml\)$/);
  });

  it('reports an unknown kind with a did-you-mean and the known kinds', async () => {
    const [code, at, message, hint] = await onlyProblem('unknown-kind.yaml');
    assert.equal(code, 'unknown-kind');
    assert.equal(at, 'unknown-kind.yaml:4:11');
    assert.equal(message, 'unknown stage kind `lod` in stage `data`');
    assert.equal(hint, `did you mean \`load\`? known kinds: ${knownKinds().join(', ')}`);
    assert.ok(knownKinds().includes('split'));
  });

  it('reports a missing required key at the stage, with the key description', async () => {
    const [code, at, message, hint] = await onlyProblem('missing-key.yaml');
    assert.equal(code, 'missing-key');
    assert.equal(at, 'missing-key.yaml:6:3');
    assert.equal(message, 'stage `split` (kind split) is missing required key `input`');
    assert.match(hint!, /^`input`: The dataset to split/);
  });

  it('reports an output the upstream kind does not have, listing its outputs', async () => {
    const [code, at, message, hint] = await onlyProblem('unknown-output.yaml');
    assert.equal(code, 'unknown-output');
    assert.equal(at, 'unknown-output.yaml:11:12');
    assert.equal(
      message,
      '`again.input` names output `trian`, but stage `split` (kind split) has outputs: splits, train, valid, test',
    );
    assert.equal(hint, 'did you mean `split.train`?');
  });

  it('reports an unknown variable once (not also the type of the unsubstituted text)', async () => {
    const [code, at, message, hint] = await onlyProblem('bad-var.yaml');
    assert.equal(code, 'bad-var');
    assert.equal(at, 'bad-var.yaml:11:11');
    assert.equal(message, 'unknown variable `fracton` in `${vars.fracton}`');
    assert.equal(hint, 'did you mean `fraction`? defined: fraction');
  });

  it('points each problem at the file that supplied the value: the child first, then its base', async () => {
    const problems = await problemsOf(join(DIR, 'child-of-bad-base.yaml'));
    assert.deepEqual(
      problems.map((p) => `${place(p)} ${p.code}`),
      ['child-of-bad-base.yaml:5:11 wrong-type', 'bad-base.yaml:10:13 bad-enum'],
    );
    assert.equal(problems[1].location?.file, join(DIR, 'bad-base.yaml'));
  });

  it('reports every problem of a file in one run, in file order', async () => {
    const problems = await problemsOf(join(DIR, 'many.yaml'));
    assert.deepEqual(
      problems.map((p) => `${place(p)} ${p.code}`),
      [
        'many.yaml:3:10 bad-enum', // backend: gpu
        'many.yaml:4:7 schema', // seed: -1
        'many.yaml:6:3 missing-key', // data: a load with neither dataset nor path (its one is misspelt)
        'many.yaml:8:5 unknown-key', // datset
        'many.yaml:12:11 wrong-type', // test: "0.2"
        'many.yaml:13:13 bad-enum', // method: randm
        'many.yaml:16:12 wrong-artifact-type', // input: split (splits)
        'many.yaml:19:12 unknown-stage', // input: nothing.train
        'many.yaml:21:11 unknown-kind', // kind: splt
      ],
    );
    assert.equal(problems[1].message, '`seed` must be >= 0, got number -1');
  });

  it('reports a data file that is not there at its path, with the nearest name in that folder', async () => {
    const [code, at, message, hint] = await onlyProblem('missing-file.yaml');
    assert.equal(code, 'input-not-found');
    assert.equal(at, 'missing-file.yaml:6:11');
    assert.equal(message, `\`data.path\`: no file ../valid/reviews.cvs (looked for ${join(VALID, 'reviews.cvs')})`);
    assert.equal(hint, `did you mean \`reviews.csv\`? relative paths start at the pipeline file's folder, ${DIR}`);
  });

  it('reports a folder given as a data file, and model folders that are missing, a file, or without config.json', async () => {
    const problems = await problemsOf(join(DIR, 'input-paths.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message]),
      [
        [
          'input-not-usable',
          'input-paths.yaml:6:11',
          `\`data.path\`: ../valid/data is a folder, not a data file (${join(VALID, 'data')})`,
        ],
        [
          'input-not-found',
          'input-paths.yaml:21:11',
          `\`missing.base\`: no model folder ./models/tiny-gpt2 (looked for ${join(DIR, 'models/tiny-gpt2')}), and it cannot be a Hugging Face Hub id either`,
        ],
        [
          'input-not-usable',
          'input-paths.yaml:26:11',
          `\`a_file.base\`: ../valid/reviews.csv is a file, not a model folder (${join(VALID, 'reviews.csv')})`,
        ],
        [
          'input-not-usable',
          'input-paths.yaml:30:11',
          `\`no_config.base\`: the folder ../valid/data has no config.json (${join(VALID, 'data')})`,
        ],
      ],
    );
  });

  it('reports a classifier evaluated on rows without labels, naming where the labels were lost', async () => {
    const [code, at, message, hint] = await onlyProblem('unlabelled-evaluate.yaml');
    assert.equal(code, 'needs-labels');
    assert.equal(at, 'unlabelled-evaluate.yaml:43:11');
    assert.equal(message, '`evaluate.data` has no class labels to score the classifier `train` (its `model`) against');
    assert.match(
      hint!,
      /^its rows come from stage `wiki` \(kind load\), which has none; a load has labels from .*`columns\.label`/,
    );
  });

  it('reports training on rows without labels once, not again at the evaluate of that model', async () => {
    const [code, at, message, hint] = await onlyProblem('unlabelled-train.yaml');
    assert.equal(code, 'needs-labels');
    assert.equal(at, 'unlabelled-train.yaml:25:11');
    assert.equal(message, '`train.data` has no class labels, which a train stage needs');
    assert.match(hint!, /^its rows come from stage `data` \(kind load\), which has none/);
  });

  it('reports split sizes the split would refuse, a sum at the later fraction', async () => {
    const problems = await problemsOf(join(DIR, 'split-sizes.yaml'));
    assert.deepEqual(
      problems.map((p) => [place(p), p.message]),
      [
        [
          'split-sizes.yaml:10:11',
          'stage `neither`: `test` must be a fraction (< 1) or a row count (a whole number >= 1), got 1.5',
        ],
        [
          'split-sizes.yaml:15:12',
          'stage `over`: `test` 0.6 + `valid` 0.5 = 1.1: with method random the fractions are of all rows, and sum above 1',
        ],
        [
          'split-sizes.yaml:22:12',
          "stage `sklearn`: `valid` 0.2 + `train` 0.9 = 1.1: sklearn's train_test_split refuses a test_size + train_size above 1",
        ],
        [
          'split-sizes.yaml:26:13',
          'stage `sklearn_none`: method sklearn needs `test` or `valid` (the test_size of a train_test_split call)',
        ],
        [
          'split-sizes.yaml:32:32',
          'stage `head`: `head.valid` must be a fraction (< 1) or a row count (a whole number >= 1), got 2.5',
        ],
      ],
    );
    assert.ok(problems.every((p) => p.code === 'bad-value'));
    assert.equal(problems[2].hint, 'with method sklearn, valid and train are fractions of the rows left after test');
  });

  it('reports pad_index equal to unk_index at the one written (last)', async () => {
    const problems = await problemsOf(join(DIR, 'vocab-indices.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message]),
      [
        ['bad-value', 'vocab-indices.yaml:10:16', 'stage `vocab`: `pad_index` and `unk_index` are both 1'],
        ['bad-value', 'vocab-indices.yaml:15:16', 'stage `swapped`: `pad_index` and `unk_index` are both 0'],
      ],
    );
  });

  it('reports variables in a cycle at the use that closes it, and not their uses again', async () => {
    const problems = await problemsOf(join(DIR, 'var-cycle.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message, p.hint]),
      [
        [
          'cycle',
          'var-cycle.yaml:5:6',
          'variable cycle: a -> b -> a',
          '`vars.b` uses `${vars.a}`, which depends on `vars.b`; a variable cannot depend on itself',
        ],
        ['cycle', 'var-cycle.yaml:6:6', 'variable `c` uses itself', 'a variable cannot be defined by its own value'],
      ],
    );
  });

  it('reports a missing pipeline file without a location', async () => {
    const problems = await problemsOf(join(DIR, 'no-such-pipeline.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, p.location]),
      [['file-not-found', undefined]],
    );
    assert.match(problems[0].message, /no-such-pipeline\.yaml: no such file$/);
  });
});

describe('invalid --set arguments', () => {
  const minimal = join(VALID, 'minimal.yaml');
  const at = (p: SpecProblem) => `${p.location?.file}:${p.location?.line}:${p.location?.col} ${p.location?.lineText}`;

  it('reports malformed arguments at the place in the argument, in argument order', async () => {
    const problems = await problemsOf(minimal, ['epochs', '=3', 'stages..x=1', 'stages.split.test.x=1']);
    assert.ok(problems.every((p) => p.code === 'bad-set'));
    assert.deepEqual(problems.map(at), [
      '--set:1:7 epochs',
      '--set:1:1 =3',
      '--set:1:8 stages..x=1',
      '--set:1:19 stages.split.test.x=1',
    ]);
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        '--set `epochs` has no `=`',
        '--set `=3` has an empty path',
        '--set `stages..x=1` has an empty path segment',
        '--set `stages.split.test.x=1`: `stages.split.test` is a number (0.2), so it has no `x`',
      ],
    );
  });

  it('validates set values like the file and points schema problems at the argument', async () => {
    const problems = await problemsOf(minimal, ['stages.split.method=randm', 'stages.split.epochs=3', 'seed=abc']);
    assert.deepEqual(
      problems.map((p) => [p.code, at(p), p.message]),
      [
        [
          'bad-enum',
          '--set:1:21 stages.split.method=randm',
          '`method` must be one of random, sklearn, ordered; got string "randm"',
        ],
        ['unknown-key', '--set:1:14 stages.split.epochs=3', 'unknown key `epochs` in stage `split` (kind split)'],
        ['wrong-type', '--set:1:6 seed=abc', '`seed` must be integer, got string "abc"'],
      ],
    );
  });

  it('reports an unknown stage in a short or full path with a did-you-mean, at the stage id in the argument', async () => {
    const problems = await problemsOf(minimal, ['splt.test=0.3', 'stages.spilt.seed=1', 'zzz=1']);
    assert.deepEqual(
      problems.map((p) => [p.code, at(p), p.message]),
      [
        ['unknown-stage', '--set:1:1 splt.test=0.3', 'no stage `splt`; did you mean `split`?'],
        ['unknown-stage', '--set:1:8 stages.spilt.seed=1', 'no stage `spilt`; did you mean `split`?'],
        ['unknown-stage', '--set:1:1 zzz=1', 'no stage `zzz`'],
      ],
    );
    assert.equal(problems[0].hint, 'stages: data, split; a new stage needs its kind too (--set stages.splt.kind=...)');
  });

  it('checks a set value with the semantic rules too, at the value in the argument', async () => {
    const problems = await problemsOf(minimal, ['split.valid=0.9']);
    assert.deepEqual(
      problems.map((p) => [p.code, at(p)]),
      [['bad-value', '--set:1:13 split.valid=0.9']],
    );
  });

  it('points at the --set argument that created a stage when that stage is incomplete', async () => {
    const problems = await problemsOf(minimal, ['stages.extra.kind=split']);
    assert.deepEqual(
      problems.map((p) => [p.code, at(p)]),
      [['missing-key', '--set:1:8 stages.extra.kind=split']],
    );
  });

  it("reports a stage that gives both keys of an exactly-one group, or neither, from its schema's x-tfpipe.oneOf", async () => {
    const problems = await problemsOf(join(DIR, 'one-of.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message]),
      [
        [
          'schema',
          'one-of.yaml:11:5',
          'stage `both` (kind evaluate) gives `base` and `model`; give only one of `model` or `base`',
        ],
        ['missing-key', 'one-of.yaml:13:3', 'stage `neither` (kind finetune) needs `base` or `model`'],
        ['missing-key', 'one-of.yaml:20:3', 'stage `listed` (kind predict) needs `input` or `texts`'],
      ],
    );
    assert.match(problems[1].hint!, /^`base`: The GPT-2 to fine-tune/);
  });

  it('checks every stage a compare row lists, at its place in the list', async () => {
    const problems = await problemsOf(join(DIR, 'compare-rows.yaml'));
    assert.deepEqual(
      problems.map((p) => [p.code, place(p), p.message]),
      [
        ['unknown-stage', 'compare-rows.yaml:19:19', '`table.rows.base[1]` names unknown stage `pll`'],
        [
          'wrong-artifact-type',
          'compare-rows.yaml:20:15',
          '`table.rows.other[0]` expects metrics or model or text, but `tokens` gives tokens',
        ],
      ],
    );
    assert.match(problems[0].hint!, /^did you mean `ppl`\?/);
  });
});
