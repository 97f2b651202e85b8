// Stage kind metadata, read from the stage schemas (schemas/stages/<kind>.schema.json): the set of kinds is the
// set of files, so adding a kind means dropping in a schema (and its stage). Nothing here names a kind.
//   inputs:  properties carrying `"x-input": [artifact types]` (required when listed in the schema's `required`): a
//            string holds one ref; an object maps names to lists of refs (InputPort.shape)
//   outputs: `"x-tfpipe": {"outputs": {name: {type, path}}, "default": name}`
//   oneOf:   `"x-tfpipe": {"oneOf": [["base", "model"]]}`: groups of keys of which a stage gives exactly one
//   files:   properties carrying `"x-file": "file"` (a data file) or `"model"` (a model folder or Hub id), when a string
//   labels:  `"x-tfpipe": {"labels": {when, from, need, hint}}`, whether the outputs carry class labels (see LabelRule);
//            a kind without it is not traced (its outputs may or may not have labels)
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARTIFACT_TYPES, type ArtifactType } from '../../stages/stage.ts';

export const SCHEMAS_DIR = resolve(import.meta.dirname, '../../schemas');
export const STAGE_SCHEMAS_DIR = join(SCHEMAS_DIR, 'stages');

const SCHEMA_SUFFIX = '.schema.json';

export interface InputPort {
  /** Artifact types the port accepts. */
  types: ArtifactType[];
  /**
   * one: the port holds one ref (`input: split.train`); named-lists: a mapping of names to lists of refs (a schema
   * property of type object: compare's `rows: {LoRA: [perplexity_lora, lora]}`), each bound apart (listInputKey).
   */
  shape: 'one' | 'named-lists';
  required: boolean;
  description?: string;
}

export interface OutputInfo {
  type: ArtifactType;
  /** Folder of the output inside the stage's cache entry ('.' = the entry itself). */
  path: string;
}

/** What a string param names on disk: a data file, or a model (a local folder, else a Hugging Face Hub id). */
export type FileRole = 'file' | 'model';
const FILE_ROLES: readonly FileRole[] = ['file', 'model'];

/**
 * Whether a kind's outputs carry class labels (rows with a label, or a model that predicts labels), and which of its
 * inputs must. Outputs carry labels when the params match `when` (a JSON Schema), or when an input in `from` does;
 * with neither, never. `need`: input port → true (always needs labels), or another input port whose labels make it
 * needed (evaluate's `data` needs labels when its `model` predicts them). `hint`: how this kind gets labels.
 */
export interface LabelRule {
  when?: Record<string, unknown> | boolean;
  from: string[];
  need: Record<string, true | string>;
  hint?: string;
}

export interface KindInfo {
  kind: string;
  /** The parsed stage schema (JSON Schema 2020-12). */
  schema: Record<string, unknown>;
  inputs: Record<string, InputPort>;
  outputs: Record<string, OutputInfo>;
  /** The output an input like `input: upstream` (no `.output`) binds. */
  defaultOutput: string;
  /** Groups of keys (params or input ports) of which a stage must give exactly one. */
  oneOf: string[][];
  /** Param → what it names on disk, for the params that name files or folders. */
  files: Record<string, FileRole>;
  /** Absent: this kind's labels are not traced. */
  labels?: LabelRule;
}

/** Every kind found in one schemas folder, read once. */
export interface KindCatalog {
  dir: string;
  kinds: string[];
  info: Map<string, KindInfo>;
}

const catalogs = new Map<string, KindCatalog>();

/** The kinds in `dir` (default: the repo's schemas/stages), sorted; cached per folder after the first read. */
export function readKindCatalog(dir: string = STAGE_SCHEMAS_DIR): KindCatalog {
  const cached = catalogs.get(dir);
  if (cached) return cached;
  const kinds = readdirSync(dir)
    .filter((name) => name.endsWith(SCHEMA_SUFFIX))
    .map((name) => name.slice(0, -SCHEMA_SUFFIX.length))
    .sort();
  const info = new Map<string, KindInfo>();
  for (const kind of kinds) {
    const file = join(dir, kind + SCHEMA_SUFFIX);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    info.set(kind, describeKind(kind, schema, file));
  }
  const catalog = { dir, kinds, info };
  catalogs.set(dir, catalog);
  return catalog;
}

export function knownKinds(): string[] {
  return [...readKindCatalog().kinds];
}

/** Metadata of a kind; throws for a kind without a schema (validated specs only name known kinds). */
export function kindInfo(kind: string): KindInfo {
  const info = readKindCatalog().info.get(kind);
  if (!info) throw new Error(`unknown stage kind '${kind}' (no ${kind}${SCHEMA_SUFFIX} in ${STAGE_SCHEMAS_DIR})`);
  return info;
}

/** Reads the tfpipe annotations of one stage schema; a malformed schema is a programming error and throws. */
export function describeKind(
  kind: string,
  schema: Record<string, unknown>,
  file = `${kind}${SCHEMA_SUFFIX}`,
): KindInfo {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  const inputs: Record<string, InputPort> = {};
  for (const [port, prop] of Object.entries(properties)) {
    const types = prop['x-input'];
    if (types === undefined) continue;
    if (!Array.isArray(types) || types.length === 0)
      fail(`x-input of '${port}' must be a non-empty array of artifact types`);
    for (const t of types as unknown[])
      if (!isArtifactType(t)) fail(`x-input of '${port}' names unknown artifact type ${JSON.stringify(t)}`);
    inputs[port] = {
      types: types as ArtifactType[],
      shape: prop.type === 'object' ? 'named-lists' : 'one',
      required: required.has(port),
      ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    };
  }
  const meta = schema['x-tfpipe'] as
    | {
        outputs?: Record<string, { type?: unknown; path?: unknown }>;
        default?: unknown;
        oneOf?: unknown;
        labels?: unknown;
      }
    | undefined;
  if (!meta || typeof meta !== 'object' || !meta.outputs)
    return fail('missing "x-tfpipe": {"outputs": {...}, "default": ...}');
  const outputs: Record<string, OutputInfo> = {};
  for (const [name, out] of Object.entries(meta.outputs)) {
    if (!isArtifactType(out.type)) fail(`output '${name}' has unknown artifact type ${JSON.stringify(out.type)}`);
    if (typeof out.path !== 'string') fail(`output '${name}' needs a "path" string`);
    outputs[name] = { type: out.type as ArtifactType, path: out.path as string };
  }
  const defaultOutput = meta.default;
  if (typeof defaultOutput !== 'string' || !(defaultOutput in outputs))
    fail(`x-tfpipe.default must name one of its outputs`);
  const oneOf = meta.oneOf ?? [];
  const isGroup = (g: unknown) =>
    Array.isArray(g) && g.length >= 2 && g.every((key) => typeof key === 'string' && Object.hasOwn(properties, key));
  if (!Array.isArray(oneOf) || !oneOf.every(isGroup))
    fail('x-tfpipe.oneOf must be a list of groups of two or more of its property names');
  const files: Record<string, FileRole> = {};
  for (const [key, prop] of Object.entries(properties)) {
    const role = prop['x-file'];
    if (role === undefined) continue;
    if (!(FILE_ROLES as readonly unknown[]).includes(role))
      fail(`x-file of '${key}' must be one of ${FILE_ROLES.join(', ')}`);
    files[key] = role as FileRole;
  }
  const labels = meta.labels === undefined ? undefined : describeLabels(meta.labels, inputs, fail);
  return {
    kind,
    schema,
    inputs,
    outputs,
    defaultOutput: defaultOutput as string,
    oneOf: oneOf as string[][],
    files,
    ...(labels ? { labels } : {}),
  };
}

function describeLabels(raw: unknown, inputs: Record<string, InputPort>, fail: (what: string) => never): LabelRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('x-tfpipe.labels must be an object');
  const { when, from = [], need = {}, hint, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) fail(`x-tfpipe.labels has unknown keys: ${Object.keys(rest).join(', ')}`);
  const isPort = (p: unknown) => typeof p === 'string' && Object.hasOwn(inputs, p);
  if (
    when !== undefined &&
    typeof when !== 'boolean' &&
    (typeof when !== 'object' || when === null || Array.isArray(when))
  )
    fail('x-tfpipe.labels.when must be a JSON Schema');
  if (!Array.isArray(from) || !from.every(isPort)) fail('x-tfpipe.labels.from must list input ports');
  if (typeof need !== 'object' || need === null || Array.isArray(need))
    fail('x-tfpipe.labels.need must map input ports to true or another input port');
  for (const [port, cond] of Object.entries(need as Record<string, unknown>)) {
    if (!isPort(port) || !(cond === true || isPort(cond)))
      fail(`x-tfpipe.labels.need.${port} must be an input port mapped to true or another input port`);
  }
  if (hint !== undefined && typeof hint !== 'string') fail('x-tfpipe.labels.hint must be a string');
  return {
    ...(when !== undefined ? { when: when as LabelRule['when'] } : {}),
    from: from as string[],
    need: need as Record<string, true | string>,
    ...(hint !== undefined ? { hint: hint as string } : {}),
  };
}

function isArtifactType(t: unknown): t is ArtifactType {
  return typeof t === 'string' && (ARTIFACT_TYPES as readonly string[]).includes(t);
}
