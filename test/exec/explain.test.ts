// Why status says a stage will run, for the runtime part of its tree: one reason per package whose version changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeChanges } from '../../runner/exec/explain.ts';
import { buildTree, type TreeParts } from '../../runner/cache/fingerprint.ts';

const parts = (changes: Partial<TreeParts> = {}): TreeParts => ({
  kind: 'train',
  version: 1,
  params: { epochs: 5 },
  inputs: {},
  backend: 'wasm',
  runtime: { 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0' },
  ...changes,
});

test('a changed package version is named with both versions', () => {
  const after = buildTree(parts({ runtime: { 'tfjs-core': '4.23.0', 'tfjs-backend-wasm': '4.23.0' } }));
  assert.deepEqual(describeChanges('train', buildTree(parts()), after, {}), [
    'runtime.tfjs-backend-wasm: 4.22.0 → 4.23.0',
    'runtime.tfjs-core: 4.22.0 → 4.23.0',
  ]);
});

test('a tree from before versions were recorded gains each one as a reason', () => {
  const before = buildTree(parts({ runtime: undefined }));
  assert.deepEqual(describeChanges('train', before, buildTree(parts()), {}), [
    'runtime.tfjs-backend-wasm: (unset) → 4.22.0',
    'runtime.tfjs-core: (unset) → 4.22.0',
  ]);
});

test('a backend switch is one reason, not also its packages leaving and arriving', () => {
  const after = buildTree(parts({ backend: 'cpu', runtime: { 'tfjs-core': '4.22.0', 'tfjs-backend-cpu': '4.22.0' } }));
  assert.deepEqual(describeChanges('train', buildTree(parts()), after, {}), ['backend "wasm" → "cpu"']);
});
