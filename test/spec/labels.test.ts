// Label tracing is declared by the kinds (x-tfpipe.labels): the load schema agrees with the catalog on which datasets
// are labelled, and a kind added by a schema file alone takes part by declaring what its outputs carry.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CATALOG, type CatalogName } from '../../stages/data/catalog.ts';
import { describeKind, kindInfo, STAGE_SCHEMAS_DIR } from '../../runner/spec/kinds.ts';
import { loadPipeline } from '../../runner/spec/load.ts';

describe('label declarations', () => {
  it('the load schema calls labelled exactly the catalog datasets that have a label column', () => {
    const when = new Ajv2020({ strict: false }).compile(kindInfo('load').labels!.when!);
    for (const name of Object.keys(CATALOG) as CatalogName[])
      assert.equal(when({ kind: 'load', dataset: name }), CATALOG[name].columns.label !== undefined, name);
  });

  it('a malformed declaration is a schema bug, named with its file', () => {
    const schema = (labels: unknown) => ({
      properties: { rows: { 'x-input': ['dataset'] } },
      'x-tfpipe': { outputs: { out: { type: 'dataset', path: '.' } }, default: 'out', labels },
    });
    assert.throws(
      () => describeKind('k', schema({ from: ['nope'] })),
      /k\.schema\.json: x-tfpipe\.labels\.from must list input ports/,
    );
    assert.throws(
      () => describeKind('k', schema({ need: { rows: 'other' } })),
      /x-tfpipe\.labels\.need\.rows must be an input port mapped to true or another input port/,
    );
    assert.throws(() => describeKind('k', schema({ gives: true })), /x-tfpipe\.labels has unknown keys: gives/);
    assert.deepEqual(describeKind('k', schema({ need: { rows: true } })).labels, { from: [], need: { rows: true } });
  });
});

describe('a kind added by a schema file', () => {
  const pipeline = (kind: string) =>
    'stages:\n' +
    '  text: {kind: load, dataset: wikitext-2-raw-v1, part: test}\n' +
    `  tagged: {kind: ${kind}, rows: text}\n` +
    '  split: {kind: split, input: tagged, test: 0.5}\n' +
    '  vocab: {kind: vocab, input: split}\n' +
    '  tokenize: {kind: tokenize, input: split, vocab: vocab, mode: word, max_length: 8}\n' +
    '  train: {kind: train, data: tokenize, vocab: vocab}\n';

  it('gives labels when it declares them, passes none when it declares none, and is not traced when silent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfpipe-labels-'));
    try {
      for (const f of (await readdir(STAGE_SCHEMAS_DIR)).filter((f) => f.endsWith('.schema.json')))
        await copyFile(join(STAGE_SCHEMAS_DIR, f), join(dir, f));
      const kind = (name: string, labels?: unknown) => ({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        'x-tfpipe': {
          outputs: { rows: { type: 'dataset', path: '.' } },
          default: 'rows',
          ...(labels ? { labels } : {}),
        },
        properties: { kind: { const: name }, rows: { type: 'string', 'x-input': ['dataset'] } },
        required: ['kind', 'rows'],
        additionalProperties: false,
      });
      await writeFile(join(dir, 'annotate.schema.json'), JSON.stringify(kind('annotate', { when: true })));
      await writeFile(join(dir, 'shuffle.schema.json'), JSON.stringify(kind('shuffle', { from: ['rows'] })));
      await writeFile(join(dir, 'opaque.schema.json'), JSON.stringify(kind('opaque')));
      const problemsWith = async (k: string) => {
        await writeFile(join(dir, `${k}.yaml`), pipeline(k));
        const result = await loadPipeline(join(dir, `${k}.yaml`), { schemasDir: dir });
        return result.ok ? [] : result.problems.map((p) => `${p.location?.line}:${p.location?.col} ${p.message}`);
      };
      assert.deepEqual(await problemsWith('annotate'), []);
      assert.deepEqual(await problemsWith('shuffle'), [
        '7:30 `train.data` has no class labels, which a train stage needs',
      ]);
      assert.deepEqual(await problemsWith('opaque'), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
