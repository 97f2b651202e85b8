// Step 2 of loading: JSON Schema validation with ajv (2020-12, all errors, defaults filled in place).
// The top level is checked against schemas/pipeline.schema.json with its stage definition cut down to the kind
// check (its allOf/if-then is for editors); each stage then against schemas/stages/<kind>.schema.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isPlainObject } from './extends.ts';
import { childPointer, type LocationMap } from './locations.ts';
import { describeSchemaError } from './schema-errors.ts';
import { readKindCatalog, SCHEMAS_DIR, type KindCatalog } from './kinds.ts';
import type { SpecProblem } from './types.ts';

export const PIPELINE_SCHEMA_FILE = join(SCHEMAS_DIR, 'pipeline.schema.json');

interface Validators {
  catalog: KindCatalog;
  pipeline: ValidateFunction;
  stages: Map<string, ValidateFunction>;
}

const cache = new Map<string, Validators>();

/** The top-level keys of a pipeline file (name, seed, vars, stages, ...), from the pipeline schema. */
export function topLevelKeys(): string[] {
  topKeys ??= Object.keys(
    (JSON.parse(readFileSync(PIPELINE_SCHEMA_FILE, 'utf8')) as { properties: Record<string, unknown> }).properties,
  );
  return topKeys;
}
let topKeys: string[] | undefined;

/** An ajv that knows tfpipe's annotation keywords; strict, so a typo in a schema fails loudly. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addKeyword({ keyword: 'x-tfpipe', schemaType: 'object' });
  ajv.addKeyword({ keyword: 'x-input', schemaType: 'array' });
  ajv.addKeyword({ keyword: 'x-file', schemaType: 'string' });
  return ajv;
}

function validatorsFor(catalog: KindCatalog): Validators {
  const cached = cache.get(catalog.dir);
  if (cached) return cached;
  const ajv = createAjv();
  const pipelineSchema = JSON.parse(readFileSync(PIPELINE_SCHEMA_FILE, 'utf8')) as { $defs: Record<string, unknown> };
  // The kinds come from the schema files (a test keeps the editor schema's enum in step with them).
  pipelineSchema.$defs.stage = {
    type: 'object',
    required: ['kind'],
    properties: { kind: { type: 'string', enum: catalog.kinds } },
  };
  const stages = new Map<string, ValidateFunction>();
  for (const [kind, info] of catalog.info) stages.set(kind, ajv.compile(info.schema));
  const validators = { catalog, pipeline: ajv.compile(pipelineSchema), stages };
  cache.set(catalog.dir, validators);
  return validators;
}

/** The compiled schema of one stage kind, the one validateSchema applies (defaults filled in place). */
export function stageValidator(kind: string, catalog: KindCatalog = readKindCatalog()): ValidateFunction | undefined {
  return validatorsFor(catalog).stages.get(kind);
}

/**
 * Validates `config` in place (defaults are written into it) and returns one problem per schema error.
 * Stages with a known kind are checked against their kind's schema even when other stages are broken.
 */
export function validateSchema(config: unknown, locs: LocationMap, catalog: KindCatalog): SpecProblem[] {
  const { pipeline, stages } = validatorsFor(catalog);
  const problems: SpecProblem[] = [];
  const report = (errors: ErrorObject[] | null | undefined, prefix: string) => {
    // A value of the wrong type fails its other keywords too (enum, minimum...): report the type alone.
    const wrongType = new Set((errors ?? []).filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    for (const err of errors ?? []) {
      if (err.keyword !== 'type' && wrongType.has(err.instancePath)) continue;
      const problem = describeSchemaError(err, prefix, locs, catalog, config);
      if (problem) problems.push(problem);
    }
  };
  pipeline(config);
  report(pipeline.errors, '');
  if (isPlainObject(config) && isPlainObject(config.stages)) {
    for (const [id, stage] of Object.entries(config.stages)) {
      if (!isPlainObject(stage) || typeof stage.kind !== 'string') continue;
      const validate = stages.get(stage.kind);
      if (!validate) continue;
      validate(stage);
      report(validate.errors, childPointer('/stages', id));
    }
  }
  return problems;
}
