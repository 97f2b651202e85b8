// Every stage kind with a schema has an implementation, and every implementation has a schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registeredKinds, loadStageKind } from '../../stages/registry.ts';
import { knownKinds } from '../../runner/spec/kinds.ts';

test('the stage registry and schemas/stages/ name the same kinds', () => {
  assert.deepEqual([...registeredKinds()].sort(), knownKinds());
});

test('each registered implementation loads and says which kind it is', async () => {
  for (const kind of registeredKinds()) assert.equal((await loadStageKind(kind)).kind, kind);
});
