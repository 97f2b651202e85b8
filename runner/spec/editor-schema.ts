// The editor view of schemas/pipeline.schema.json: its stage definition lists every kind (enum) and applies the
// kind's schema by if/then (allOf), so yaml-language-server completes and checks stage keys. The validator does
// not need that part; a test keeps it in step with the files in schemas/stages/, and running this file
// (`node --import tsx runner/spec/editor-schema.ts`) rewrites it after a kind is added or removed.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readKindCatalog } from './kinds.ts';
import { PIPELINE_SCHEMA_FILE } from './schema.ts';

interface StageDef {
  properties: { kind: { enum: string[] } & Record<string, unknown> } & Record<string, unknown>;
  allOf: unknown[];
}

/** The allOf entry that applies kind's schema. */
export function kindClause(kind: string): unknown {
  return { if: { properties: { kind: { const: kind } } }, then: { $ref: `stages/${kind}.schema.json` } };
}

/** The pipeline schema with its stage enum and allOf rebuilt for `kinds` (everything else kept as is). */
export function withStageKinds(
  pipelineSchema: Record<string, unknown>,
  kinds: readonly string[],
): Record<string, unknown> {
  const schema = structuredClone(pipelineSchema) as { $defs: { stage: StageDef } };
  schema.$defs.stage.properties.kind.enum = [...kinds];
  schema.$defs.stage.allOf = kinds.map(kindClause);
  return schema as unknown as Record<string, unknown>;
}

/**
 * Rewrites the kind enum and the allOf list in the repo's pipeline schema from schemas/stages/, editing only those
 * two places so the hand-written layout stays; returns the kinds.
 */
export function syncEditorSchema(): string[] {
  const kinds = readKindCatalog().kinds;
  const text = readFileSync(PIPELINE_SCHEMA_FILE, 'utf8');
  const expected = withStageKinds(JSON.parse(text) as Record<string, unknown>, kinds);
  const updated = text
    .replace(
      /("kind": \{\s*"enum": )\[[^\]]*\]/,
      (_, head: string) => `${head}${JSON.stringify(kinds).replace(/,/g, ', ')}`,
    )
    .replace(/("allOf": \[)[\s\S]*?\n(\s*)\]/, (_, head: string, indent: string) => {
      const clauses = kinds.map(
        (k) =>
          `${indent}  ${JSON.stringify(kindClause(k))
            .replace(/([:,{])/g, '$1 ')
            .replace(/\}/g, ' }')}`,
      );
      return `${head}\n${clauses.join(',\n')}\n${indent}]`;
    });
  if (JSON.stringify(JSON.parse(updated)) !== JSON.stringify(expected))
    throw new Error('pipeline.schema.json: could not update the stage kinds in place; edit it by hand');
  writeFileSync(PIPELINE_SCHEMA_FILE, updated);
  return kinds;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`pipeline.schema.json: stage kinds ${syncEditorSchema().join(', ')}`);
}
