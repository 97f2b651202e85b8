// Kind metadata from the stage schemas, the editor schema kept in step with them, and a kind added by a schema
// file alone (no code change).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kindClause, withStageKinds } from '../../runner/spec/editor-schema.ts';
import { kindInfo, knownKinds, readKindCatalog, STAGE_SCHEMAS_DIR } from '../../runner/spec/kinds.ts';
import { loadPipeline } from '../../runner/spec/load.ts';
import { createAjv, PIPELINE_SCHEMA_FILE } from '../../runner/spec/schema.ts';
import { REPO_ROOT } from '../helpers/context.ts';

const schemaFiles = async () => (await readdir(STAGE_SCHEMAS_DIR)).filter((f) => f.endsWith('.schema.json')).sort();
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('stage kinds', () => {
  it('are the schema files in schemas/stages', async () => {
    assert.deepEqual(
      knownKinds(),
      (await schemaFiles()).map((f) => f.replace('.schema.json', '')),
    );
  });

  it('read inputs from x-input and outputs from x-tfpipe', () => {
    const split = kindInfo('split');
    assert.deepEqual(split.inputs, {
      input: { types: ['dataset'], shape: 'one', required: true, description: 'The dataset to split (`load_stage`).' },
    });
    assert.equal(kindInfo('compare').inputs.rows.shape, 'named-lists', 'an object of lists of refs');
    assert.deepEqual(split.outputs, {
      splits: { type: 'splits', path: '.' },
      train: { type: 'dataset', path: 'train' },
      valid: { type: 'dataset', path: 'valid' },
      test: { type: 'dataset', path: 'test' },
    });
    assert.equal(split.defaultOutput, 'splits');
    const load = kindInfo('load');
    assert.deepEqual(
      [load.inputs, load.outputs, load.defaultOutput],
      [{}, { dataset: { type: 'dataset', path: '.' } }, 'dataset'],
    );
    assert.throws(() => kindInfo('no-such-kind'), /unknown stage kind 'no-such-kind'/);
  });

  it('each compile under strict ajv with the tfpipe keywords', () => {
    const ajv = createAjv();
    for (const kind of knownKinds()) assert.doesNotThrow(() => ajv.compile(kindInfo(kind).schema), kind);
  });
});

describe('schemas/pipeline.schema.json (the editor schema)', () => {
  it('lists every kind in its enum and allOf, and no other (run runner/spec/editor-schema.ts to fix)', async () => {
    const schema = (await readJson(PIPELINE_SCHEMA_FILE)) as {
      $defs: { stage: { properties: { kind: { enum: string[] } }; allOf: unknown[] } };
    };
    const kinds = (await schemaFiles()).map((f) => f.replace('.schema.json', ''));
    assert.deepEqual([...schema.$defs.stage.properties.kind.enum].sort(), kinds, 'kind enum vs schema files');
    assert.deepEqual(
      [...schema.$defs.stage.allOf].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      kinds.map(kindClause),
      'allOf vs schema files',
    );
    assert.deepEqual(schema, withStageKinds(schema, kinds));
  });

  it('checks stage bodies by kind when compiled whole, as an editor does', async () => {
    const ajv = createAjv();
    for (const kind of knownKinds()) ajv.addSchema(kindInfo(kind).schema, `stages/${kind}.schema.json`);
    const validate = ajv.compile(await readJson(PIPELINE_SCHEMA_FILE));
    const fixture = async (p: string) =>
      parse(await readFile(join(REPO_ROOT, 'test/fixtures/specs', p), 'utf8')) as unknown;
    assert.equal(validate(await fixture('valid/minimal.yaml')), true, JSON.stringify(validate.errors));
    assert.equal(validate(await fixture('invalid/unknown-key.yaml')), false);
    assert.ok(
      validate.errors?.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'metod'),
    );
  });
});

describe('a kind added by dropping in a schema file', () => {
  it('is validated, wired and type-checked without any code change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfpipe-kinds-'));
    for (const f of await schemaFiles()) await copyFile(join(STAGE_SCHEMAS_DIR, f), join(dir, f));
    const count = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      'x-tfpipe': { outputs: { counts: { type: 'metrics', path: '.' } }, default: 'counts' },
      properties: {
        kind: { const: 'count' },
        rows: { type: 'string', 'x-input': ['dataset', 'splits'] },
        top: { type: 'integer', minimum: 1, default: 10 },
      },
      required: ['kind', 'rows'],
      additionalProperties: false,
    };
    await writeFile(join(dir, 'count.schema.json'), JSON.stringify(count));
    const pipeline = join(dir, 'pipeline.yaml');
    const body =
      'stages:\n  data: {kind: load, dataset: imdb}\n  parts: {kind: split, input: data}\n  counted: {kind: count, rows: parts}\n';
    await writeFile(pipeline, body);

    assert.ok(readKindCatalog(dir).kinds.includes('count'));
    const ok = await loadPipeline(pipeline, { schemasDir: dir });
    assert.ok(ok.ok, ok.ok ? '' : ok.problems.map((p) => p.message).join('\n'));
    const counted = ok.spec.stages.find((s) => s.id === 'counted');
    assert.deepEqual(counted?.params, { top: 10 });
    assert.deepEqual(counted?.inputs, { rows: { stage: 'parts', output: 'splits', type: 'splits' } });

    // A stage reading the count's metrics as a dataset is the wrong artifact type.
    await writeFile(pipeline, body + '  again: {kind: split, input: counted}\n');
    const bad = await loadPipeline(pipeline, { schemasDir: dir });
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.problems.map((p) => [p.code, p.message, p.location?.line, p.location?.col, p.hint]),
      [
        [
          'wrong-artifact-type',
          '`again.input` expects dataset, but `counted` gives metrics',
          5,
          31,
          'did you mean `data`, `parts.train`, `parts.valid` or `parts.test`?',
        ],
      ],
    );
    // And without the schema file the kind is unknown.
    const plain = await loadPipeline(pipeline);
    assert.ok(!plain.ok && plain.problems.some((p) => p.code === 'unknown-kind' && p.message.includes('`count`')));
  });
});
