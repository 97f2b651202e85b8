// pipelines/lab1.yaml is the homework's experiment and the README's main command; lab1-bidi.yaml changes only
// `stages.train.bidirectional`. (The full run on the real data is measured by hand: see the README's Lab 1 section.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPipeline } from '../../runner/spec/load.ts';
import type { PipelineSpec } from '../../runner/spec/types.ts';
import { REPO_ROOT } from '../helpers/context.ts';

async function load(name: string): Promise<PipelineSpec> {
  const result = await loadPipeline(join(REPO_ROOT, 'pipelines', name));
  assert.ok(
    result.ok,
    result.ok ? '' : result.problems.map((p) => `${p.location?.line}:${p.location?.col} ${p.message}`).join('\n'),
  );
  return result.spec;
}

const params = (spec: PipelineSpec, id: string) => spec.stages.find((s) => s.id === id)!.params;

test('lab1.yaml is the homework: IMDB, the sklearn split, min_freq 5, 5 epochs, unidirectional, then evaluate', async () => {
  const spec = await load('lab1.yaml');
  assert.deepEqual(
    spec.stages.map((s) => `${s.id}:${s.kind}`),
    ['imdb:load', 'split:split', 'vocab:vocab', 'tokenize:tokenize', 'train:train', 'evaluate:evaluate'],
  );
  assert.equal(params(spec, 'imdb').dataset, 'imdb');
  assert.deepEqual(
    [params(spec, 'split').method, params(spec, 'split').test, params(spec, 'split').valid, params(spec, 'split').seed],
    ['sklearn', 0.2, 0.125, 12],
  );
  assert.equal(params(spec, 'vocab').min_freq, 5);
  assert.equal(params(spec, 'train').epochs, 5);
  assert.equal(params(spec, 'train').bidirectional, false);
  const evaluate = spec.stages.find((s) => s.id === 'evaluate')!;
  assert.deepEqual(
    Object.fromEntries(Object.entries(evaluate.inputs).map(([port, b]) => [port, `${b.stage}.${b.output}`])),
    { model: 'train.model', data: 'tokenize.test', texts: 'split.test' },
  );
});

test('lab1-bidi.yaml differs from lab1.yaml only in its name and stages.train.bidirectional', async () => {
  const uni = await load('lab1.yaml');
  const bi = await load('lab1-bidi.yaml');
  assert.equal(params(bi, 'train').bidirectional, true);
  const strip = (spec: PipelineSpec) => {
    const resolved = structuredClone(spec.resolved) as {
      name?: unknown;
      extends?: unknown;
      stages: { train: Record<string, unknown> };
    };
    delete resolved.name;
    delete resolved.extends;
    delete resolved.stages.train.bidirectional;
    return resolved;
  };
  assert.deepEqual(strip(bi), strip(uni));
});

test('both files start with the schema comment, and the README runs the quickstart first, then lab1', async () => {
  for (const name of ['lab1.yaml', 'lab1-bidi.yaml']) {
    const text = await readFile(join(REPO_ROOT, 'pipelines', name), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=../schemas/pipeline.schema.json', name);
  }
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.match(readme, /## Run\n\n```sh\nnpx tfpipe run pipelines\/quickstart\.yaml\n```/);
  assert.match(readme, /^npx tfpipe run pipelines\/lab1\.yaml /m);
  assert.match(readme, /^TFPIPE_DATA=\/path\/to\/data npx tfpipe run pipelines\/lab1\.yaml /m);
});
