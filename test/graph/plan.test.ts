import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphFromEdges } from '../../runner/graph/graph.ts';
import { plan, topologicalOrder } from '../../runner/graph/plan.ts';

// load → split → vocab → tokenize → train → evaluate, with tokenize also reading split directly
const lab1 = graphFromEdges(['load', 'split', 'vocab', 'tokenize', 'train', 'evaluate'], {
  split: ['load'],
  vocab: ['split'],
  tokenize: ['split', 'vocab'],
  train: ['tokenize'],
  evaluate: ['train', 'tokenize'],
});

const stagesOf = (r: ReturnType<typeof plan>) => (r.ok ? r.stages : assert.fail(r.error));

test('the full plan is topological and follows file order', () => {
  assert.deepEqual(stagesOf(plan(lab1)), ['load', 'split', 'vocab', 'tokenize', 'train', 'evaluate']);
});

test('a file listing a stage before its upstream is still planned upstream first', () => {
  const g = graphFromEdges(['train', 'data'], { train: ['data'] });
  assert.deepEqual(topologicalOrder(g), ['data', 'train']);
});

test('--to takes the target and what it needs', () => {
  assert.deepEqual(stagesOf(plan(lab1, { to: 'tokenize' })), ['load', 'split', 'vocab', 'tokenize']);
});

test('--from takes the stage and everything after it', () => {
  assert.deepEqual(stagesOf(plan(lab1, { from: 'vocab' })), ['vocab', 'tokenize', 'train', 'evaluate']);
});

test('--from with --to takes the stages on paths between them', () => {
  assert.deepEqual(stagesOf(plan(lab1, { from: 'vocab', to: 'train' })), ['vocab', 'tokenize', 'train']);
});

test('--only takes exactly the named stages; --downstream adds what follows', () => {
  assert.deepEqual(stagesOf(plan(lab1, { only: ['train'] })), ['train']);
  assert.deepEqual(stagesOf(plan(lab1, { only: ['train'], downstream: true })), ['train', 'evaluate']);
});

test('unknown stages and unrelated from/to are errors that say why', () => {
  const r = plan(lab1, { to: 'trian' });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /unknown stage `trian`; stages are load, split/);
  const g = graphFromEdges(['a', 'b'], {});
  const unrelated = plan(g, { from: 'a', to: 'b' });
  assert.equal(unrelated.ok, false);
  assert.match(!unrelated.ok ? unrelated.error : '', /`b` does not depend on `a`/);
});
