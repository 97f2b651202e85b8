// Valid pipelines: defaults, extends (deep merge), vars, --set, and the shape of the resulting PipelineSpec.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPipeline } from '../../runner/spec/load.ts';
import type { LoadOptions, PipelineSpec, StageSpec } from '../../runner/spec/types.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const DIR = join(REPO_ROOT, 'test/fixtures/specs/valid');

async function specOf(name: string, opts: LoadOptions = {}): Promise<PipelineSpec> {
  const result = await loadPipeline(join(DIR, name), opts);
  assert.ok(
    result.ok,
    result.ok ? '' : result.problems.map((p) => `${p.location?.line}:${p.location?.col} ${p.message}`).join('\n'),
  );
  return result.spec;
}

/** The problems of a file that should have none, as `line:col message`. */
async function problemsIn(name: string): Promise<string[]> {
  const result = await loadPipeline(join(DIR, name));
  return result.ok ? [] : result.problems.map((p) => `${p.location?.line}:${p.location?.col} ${p.message}`);
}

function stage(spec: PipelineSpec, id: string): StageSpec {
  const found = spec.stages.find((s) => s.id === id);
  assert.ok(found, `no stage ${id}`);
  return found;
}

describe('valid pipeline specs', () => {
  it("fills defaults: name from the file, backend auto, seed 0, and each kind's schema defaults", async () => {
    const spec = await specOf('minimal.yaml');
    assert.equal(spec.file, join(DIR, 'minimal.yaml'));
    assert.equal(spec.name, 'minimal');
    assert.equal(spec.backend, 'auto');
    assert.equal(spec.seed, 0);
    assert.deepEqual(
      spec.stages.map((s) => [s.id, s.kind]),
      [
        ['data', 'load'],
        ['split', 'split'],
      ],
    );
    assert.deepEqual(stage(spec, 'data').params, {
      path: 'reviews.csv',
      columns: { text: 'review', label: 'sentiment' },
      part: 'all',
      format: 'auto',
    });
    // params: everything but kind, description and the input ports; the input bound to the default output.
    assert.deepEqual(stage(spec, 'split').params, { test: 0.2, method: 'random', stratify: false });
    assert.deepEqual(stage(spec, 'split').inputs, { input: { stage: 'data', output: 'dataset', type: 'dataset' } });
    assert.deepEqual(stage(spec, 'data').inputs, {});
    assert.deepEqual(
      { ...stage(spec, 'split').location, file: 'minimal.yaml' },
      { file: 'minimal.yaml', line: 8, col: 3, lineText: '  split:' },
    );
    assert.deepEqual(spec.resolved, {
      stages: {
        data: {
          kind: 'load',
          path: 'reviews.csv',
          columns: { text: 'review', label: 'sentiment' },
          part: 'all',
          format: 'auto',
        },
        split: { kind: 'split', input: 'data', test: 0.2, method: 'random', stratify: false },
      },
      backend: 'auto',
      seed: 0,
    });
  });

  it('deep-merges a child over its base: overridden keys from the child, the rest inherited', async () => {
    const spec = await specOf('child.yaml');
    assert.equal(spec.name, 'child-experiment'); // child
    assert.equal(spec.backend, 'cpu'); // base
    assert.equal(spec.seed, 1); // base
    assert.deepEqual(stage(spec, 'data').params, {
      dataset: 'imdb',
      labels: ['neg', 'pos'],
      part: 'all',
      format: 'auto',
    }); // array replaced
    assert.deepEqual(stage(spec, 'split').params, { method: 'sklearn', valid: 0.1, test: 0.25, stratify: false });
    assert.equal('extends' in spec.resolved, false);
    // Stage locations come from the file that last supplied the stage (the child names both).
    assert.equal(stage(spec, 'split').location.line, 8);
  });

  it('substitutes vars, keeping the type of a whole-string reference', async () => {
    const spec = await specOf('vars.yaml');
    assert.equal(stage(spec, 'data').params.path, 'data/reviews.csv');
    assert.deepEqual(stage(spec, 'split').params, { method: 'sklearn', test: 0.3, stratify: true });
    assert.deepEqual(stage(spec, 'split').inputs, { input: { stage: 'data', output: 'dataset', type: 'dataset' } });
  });

  it('resolves variables that use variables, in dependency order, keeping the type of a whole reference', async () => {
    const spec = await specOf('vars-chain.yaml');
    assert.equal(stage(spec, 'data').params.path, 'data/reviews.csv');
    assert.equal(stage(spec, 'split').params.test, 0.25);
    assert.deepEqual(spec.resolved.vars, {
      file: 'data/reviews.csv',
      dir: 'data',
      name: 'reviews',
      share: 0.25,
      fraction: 0.25,
    });
  });

  it('refuses none of the inputs that a run can read: relative files, a pinned file, model folders, Hub ids, an init', async () => {
    assert.deepEqual(await problemsIn('inputs.yaml'), []);
  });

  it('refuses no split sizes a split accepts (sklearn fractions of the rest, sums of 1, counts)', async () => {
    assert.deepEqual(await problemsIn('split-sizes.yaml'), []);
  });

  it('lets labels reach a classifier from a label column, and asks none of a language model', async () => {
    assert.deepEqual(await problemsIn('labels.yaml'), []);
  });

  it('applies --set after extends and vars, parsing values as YAML scalars', async () => {
    const spec = await specOf('child.yaml', {
      set: [
        'stages.split.seed=7',
        'stages.split.stratify=true',
        'seed=3',
        'name=override',
        'stages.data.labels=[a, b]',
      ],
    });
    assert.deepEqual(stage(spec, 'split').params, {
      method: 'sklearn',
      valid: 0.1,
      test: 0.25,
      stratify: true,
      seed: 7,
    });
    assert.equal(spec.seed, 3);
    assert.equal(spec.name, 'override');
    assert.deepEqual(stage(spec, 'data').params.labels, ['a', 'b']);
  });

  it('reads a --set path without `stages.` as a stage path, unless it starts with a top-level key', async () => {
    const spec = await specOf('child.yaml', {
      set: ['split.seed=7', 'data.labels=[a, b]', 'seed=3', 'stages.split.valid=0.2'],
    });
    assert.deepEqual(stage(spec, 'split').params, {
      method: 'sklearn',
      valid: 0.2,
      test: 0.25,
      stratify: false,
      seed: 7,
    });
    assert.deepEqual(stage(spec, 'data').params.labels, ['a', 'b']);
    assert.equal(spec.seed, 3);
  });

  it('sets a variable before substitution, so the override reaches every use', async () => {
    const spec = await specOf('vars.yaml', { set: ['vars.fraction=0.5', 'vars.file=other'] });
    assert.equal(stage(spec, 'split').params.test, 0.5);
    assert.equal(stage(spec, 'data').params.path, 'data/other.csv');
  });

  it('adds a stage with --set, creating the objects on the way', async () => {
    const spec = await specOf('minimal.yaml', {
      set: ['stages.more.kind=split', 'stages.more.input=data', 'stages.more.head=0.1'],
    });
    assert.deepEqual(
      spec.stages.map((s) => s.id),
      ['data', 'split', 'more'],
    );
    assert.deepEqual(stage(spec, 'more').params, { head: 0.1, method: 'random', stratify: false });
    assert.equal(stage(spec, 'more').location.file, '--set');
  });
});
