// Every shipped pipeline file declares its schema for editors (YAML language server) and validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline } from '../../runner/spec/load.ts';
import { formatProblems } from '../../runner/spec/format.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const dir = join(REPO_ROOT, 'pipelines');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

test('pipelines/ holds the lab pipelines', () => {
  assert.ok(files.includes('lab1.yaml'), `pipelines/ has ${files.join(', ')}`);
});

for (const file of files) {
  test(`pipelines/${file} names its schema on line 1 and is valid`, async () => {
    const firstLine = readFileSync(join(dir, file), 'utf8').split('\n')[0];
    assert.equal(firstLine, '# yaml-language-server: $schema=../schemas/pipeline.schema.json');
    const result = await loadPipeline(join(dir, file));
    assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
  });
}
