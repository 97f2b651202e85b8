// diff's comparisons read like the acceptance case: one param changed in train; load..tokenize shared; train and
// evaluate differ because of it (evaluate through its upstream); metrics side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree, fingerprintOf, type FingerprintTree } from '../../runner/cache/fingerprint.ts';
import { outputFingerprint } from '../../runner/exec/fingerprints.ts';
import {
  compareMetrics,
  compareStages,
  diffConfigs,
  diffSides,
  type DiffSide,
  type SideStage,
} from '../../runner/runs/compare.ts';
import { formatDiffText } from '../../runner/runs/format-diff.ts';
import type { Fingerprint } from '../../stages/stage.ts';

type StageDef = {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  reads?: string;
  backend?: string;
  metrics?: Record<string, unknown>;
};

/** A side from a chain of stages, each reading the one named in `reads` (port `input`). */
function side(label: string, defs: StageDef[]): DiffSide {
  const fps = new Map<string, string>();
  const stages: SideStage[] = defs.map((d) => {
    const inputs: Record<string, Fingerprint> = d.reads
      ? { input: outputFingerprint(fps.get(d.reads)! as Fingerprint, 'default') }
      : {};
    const tree: FingerprintTree = buildTree({ kind: d.kind, version: 1, params: d.params, inputs, backend: d.backend });
    fps.set(d.id, fingerprintOf(tree));
    return {
      id: d.id,
      kind: d.kind,
      fingerprint: fingerprintOf(tree),
      tree,
      upstreamOf: (d.reads ? { input: d.reads } : {}) as Record<string, string>,
      ...(d.metrics ? { metrics: d.metrics } : {}),
    };
  });
  const config = { name: label, stages: Object.fromEntries(defs.map((d) => [d.id, { kind: d.kind, ...d.params }])) };
  return { label, config, stages };
}

function lab(bidirectional: boolean, testAcc: number): DiffSide {
  return side(bidirectional ? 'lab1-bidi' : 'lab1', [
    { id: 'load', kind: 'load', params: { dataset: 'imdb' } },
    { id: 'split', kind: 'split', params: { test: 0.2 }, reads: 'load' },
    { id: 'vocab', kind: 'vocab', params: { min_freq: 5 }, reads: 'split', metrics: { vocab_size: 20000 } },
    { id: 'tokenize', kind: 'tokenize', params: { max_length: 200 }, reads: 'vocab' },
    {
      id: 'train',
      kind: 'train',
      params: { bidirectional, epochs: 3 },
      reads: 'tokenize',
      backend: 'wasm',
      metrics: { valid_acc: testAcc - 0.01 },
    },
    {
      id: 'evaluate',
      kind: 'evaluate',
      params: {},
      reads: 'train',
      backend: 'wasm',
      metrics: { test_acc: testAcc, test_loss: 0.4 },
    },
  ]);
}

test('config differences are dotted paths, old → new; name, descriptions and vars are left out', () => {
  const a = {
    name: 'lab1',
    vars: { x: 1 },
    stages: { train: { kind: 'train', bidirectional: false, description: 'A', layers: [64] } },
  };
  const b = {
    name: 'lab1-bidi',
    vars: { x: 2 },
    stages: { train: { kind: 'train', bidirectional: true, description: 'B', layers: [64, 32], dropout: 0.1 } },
  };
  assert.deepEqual(diffConfigs(a, b), [
    { path: 'stages.train.bidirectional', old: false, new: true },
    { path: 'stages.train.dropout', new: 0.1 },
    { path: 'stages.train.layers', old: [64], new: [64, 32] },
  ]);
});

test('stages before the change share their entry; train differs by the param, evaluate through train', () => {
  const [a, b] = [lab(false, 0.81), lab(true, 0.84)];
  assert.deepEqual(diffConfigs(a.config, b.config), [{ path: 'stages.train.bidirectional', old: false, new: true }]);
  const param = { type: 'param', path: 'stages.train.bidirectional', old: false, new: true };
  assert.deepEqual(compareStages(a, b), [
    { id: 'load', kind: 'load', status: 'shared' },
    { id: 'split', kind: 'split', status: 'shared' },
    { id: 'vocab', kind: 'vocab', status: 'shared' },
    { id: 'tokenize', kind: 'tokenize', status: 'shared' },
    { id: 'train', kind: 'train', status: 'differs', cause: param },
    { id: 'evaluate', kind: 'evaluate', status: 'differs', cause: { type: 'upstream', stage: 'train', root: param } },
  ]);
  const text = formatDiffText(diffSides(a, b));
  assert.match(text, /^ {2}evaluate {2}differs: upstream `train` \(param stages.train.bidirectional: false → true\)$/m);
});

test("a stage's own change comes before an upstream one; the backend is named", () => {
  const a = side('a', [
    { id: 'x', kind: 'vocab', params: { min_freq: 1 } },
    { id: 'y', kind: 'train', params: { lr: 1 }, reads: 'x', backend: 'cpu' },
  ]);
  const b = side('b', [
    { id: 'x', kind: 'vocab', params: { min_freq: 2 } },
    { id: 'y', kind: 'train', params: { lr: 1 }, reads: 'x', backend: 'wasm' },
  ]);
  assert.deepEqual(compareStages(a, b)[1].cause, { type: 'backend', old: 'cpu', new: 'wasm' });
  const noTree = { ...b, stages: b.stages.map((s) => ({ ...s, tree: undefined })) };
  assert.equal(compareStages(a, noTree)[0].cause?.type, 'unknown');
  const onlyB = side('b', [
    { id: 'x', kind: 'vocab', params: { min_freq: 1 } },
    { id: 'z', kind: 'vocab', params: {} },
  ]);
  assert.deepEqual(
    compareStages(a, onlyB).map((s) => s.status),
    ['shared', 'only-a', 'only-b'],
  );
});

test('metrics side by side: every metric either side has, with absolute and relative change', () => {
  const [a, b] = [lab(false, 0.8), lab(true, 0.84)];
  b.stages[5].metrics = { test_acc: 0.84, f1: 0.83 };
  const rows = compareMetrics(a, b);
  assert.deepEqual(
    rows.map((r) => `${r.stage}.${r.metric}`),
    ['vocab.vocab_size', 'train.valid_acc', 'evaluate.test_acc', 'evaluate.test_loss', 'evaluate.f1'],
  );
  const acc = rows[2];
  assert.equal(acc.a, 0.8);
  assert.equal(acc.b, 0.84);
  assert.ok(Math.abs(acc.delta! - 0.04) < 1e-12);
  assert.ok(Math.abs(acc.relative! - 0.05) < 1e-12);
  assert.deepEqual(rows[3], { stage: 'evaluate', metric: 'test_loss', a: 0.4 });
  assert.deepEqual(rows[4], { stage: 'evaluate', metric: 'f1', b: 0.83 });
});
