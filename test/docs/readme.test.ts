import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { updateReadme } from '../../runner/docs/reference.ts';
import { readKindCatalog } from '../../runner/spec/kinds.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test('the README pipeline reference is the one generated from the schemas (run `npm run docs`)', () => {
  assert.equal(readme, updateReadme(readme));
});

test('the README documents every key of every stage kind', () => {
  for (const [kind, info] of readKindCatalog().info) {
    assert.ok(readme.includes(`### \`kind: ${kind}\``), `README lacks kind ${kind}`);
    for (const key of Object.keys((info.schema as { properties: object }).properties)) {
      assert.ok(readme.includes(`| \`${key}\` |`), `README lacks key ${key} of kind ${kind}`);
    }
  }
});

test('the README gives the install and test commands that .ci/run runs', () => {
  const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
  for (const command of ['npm ci', 'npm test']) {
    assert.ok(readme.includes(command), `README lacks \`${command}\``);
    assert.ok(ci.includes(command), `.ci/run lacks \`${command}\``);
  }
});
