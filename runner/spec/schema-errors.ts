// ajv errors → problems a person can act on: what is wrong, in words, where (the offending key for unknown keys,
// else the value), and what is allowed.
//   additionalProperties → unknown-key  "unknown key `min_frq` in stage `vocab` (kind vocab)" + did-you-mean
//   type                 → wrong-type   "`epochs` must be integer, got string \"5\""
//   enum / const         → bad-enum     (unknown-kind for a stage's `kind`)
//   required             → missing-key  pointing at the object
//   pattern              → bad-value    with the key's description as the hint (what the value should look like)
import type { ErrorObject } from 'ajv/dist/2020.js';
import { isPlainObject } from './extends.ts';
import { childPointer, locate, pointerSegments, type LocationMap } from './locations.ts';
import type { KindCatalog } from './kinds.ts';
import { didYouMean, joinHints } from './suggest.ts';
import type { SpecProblem } from './types.ts';

/** JSON Schema type names as YAML users know them; scalar names stay (`must be integer`). */
const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list' };

/** Where a pointer lies: in a stage (with its path inside the stage) or at the top level. */
interface Place {
  pointer: string;
  stageId?: string;
  kind?: string;
  /** Segments below the stage (or below the root at the top level). */
  rel: string[];
}

/**
 * One ajv error as a problem; `prefix` is the pointer of the validated value (a stage's, or '' for the whole
 * pipeline); `config` is the whole pipeline, for the kind of a stage. Returns undefined for wrapper errors.
 */
export function describeSchemaError(
  err: ErrorObject,
  prefix: string,
  locs: LocationMap,
  catalog: KindCatalog,
  config: unknown,
): SpecProblem | undefined {
  const place = placeOf(prefix + err.instancePath, config);
  const name = nameOf(place);
  const props = propertiesOf(err.parentSchema);

  if (err.propertyName !== undefined) {
    const what = place.stageId === undefined && place.rel.join('.') === 'stages' ? 'stage id' : 'key';
    return {
      code: 'schema',
      message: `${what} \`${err.propertyName}\` ${err.message ?? 'is not allowed'}`,
      location: locate(locs, childPointer(place.pointer, err.propertyName), 'key'),
      hint:
        what === 'stage id'
          ? 'stage ids are letters, digits, `_` and `-`, starting with a letter or `_`, at most 64 characters'
          : undefined,
    };
  }
  switch (err.keyword) {
    case 'propertyNames':
    case 'if':
      return undefined; // the specific error beneath it is reported instead
    case 'additionalProperties': {
      const key = String(err.params.additionalProperty);
      const allowed = Object.keys(props);
      return {
        code: 'unknown-key',
        message: `unknown key \`${key}\` ${placePhrase(place)}`,
        location: locate(locs, childPointer(place.pointer, key), 'key'),
        hint: joinHints(
          didYouMean(key, allowed),
          allowed.length > 0 ? `allowed keys: ${allowed.join(', ')}` : undefined,
        ),
      };
    }
    case 'type': {
      const types = ([] as string[]).concat(err.params.type as string | string[]).map((t) => TYPE_NAMES[t] ?? t);
      if (typeof err.data === 'number' && !Number.isFinite(err.data)) {
        return {
          code: 'wrong-type',
          message: `${name} must be a finite number, got ${err.data} (.nan and .inf are not numbers tfpipe can use)`,
          location: locate(locs, place.pointer),
        };
      }
      return {
        code: 'wrong-type',
        message: `${name} must be ${types.join(' or ')}, got ${describeValue(err.data)}`,
        location: locate(locs, place.pointer),
      };
    }
    case 'enum':
    case 'const': {
      const allowed = (
        err.keyword === 'enum' ? (err.params.allowedValues as unknown[]) : [err.params.allowedValue]
      ).map(asText);
      const guess = typeof err.data === 'string' ? didYouMean(err.data, allowed) : undefined;
      if (place.stageId !== undefined && place.rel.length === 1 && place.rel[0] === 'kind' && prefix === '') {
        return {
          code: 'unknown-kind',
          message: `unknown stage kind ${typeof err.data === 'string' ? `\`${err.data}\`` : describeValue(err.data)} in stage \`${place.stageId}\``,
          location: locate(locs, place.pointer),
          hint: joinHints(guess, `known kinds: ${catalog.kinds.join(', ')}`),
        };
      }
      const expected = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`;
      return {
        code: 'bad-enum',
        message: `${name} must be ${expected}; got ${describeValue(err.data)}`,
        location: locate(locs, place.pointer),
        hint: guess,
      };
    }
    case 'required': {
      const key = String(err.params.missingProperty);
      const description = props[key]?.description;
      const owner =
        place.rel.length === 0
          ? place.stageId !== undefined
            ? `stage \`${place.stageId}\`${kindSuffix(place)}`
            : 'the pipeline'
          : name;
      return {
        code: 'missing-key',
        message: `${owner} is missing required key \`${key}\``,
        location: locate(locs, place.pointer, 'key'),
        hint: typeof description === 'string' ? `\`${key}\`: ${description}` : undefined,
      };
    }
    case 'pattern': {
      // the regular expression says little to a reader; the key's description says what is expected
      const description = (err.parentSchema as { description?: unknown } | undefined)?.description;
      return {
        code: 'bad-value',
        message: `${name} is not of the expected form, got ${describeValue(err.data)}`,
        location: locate(locs, place.pointer),
        hint: typeof description === 'string' ? firstSentence(description) : `it must match ${err.params.pattern}`,
      };
    }
    default:
      const got = typeof err.data === 'object' && err.data !== null ? '' : `, got ${describeValue(err.data)}`;
      return {
        code: 'schema',
        message: `${name} ${err.message ?? 'is invalid'}${got}`,
        location: locate(locs, place.pointer),
      };
  }
}

/** 'Memory per job (sbatch --mem), e.g. 16G.' of a longer description: what a hint under the caret needs. */
function firstSentence(text: string): string {
  const end = text.search(/\.\s+(?=[A-Z])/); // not at "e.g. 16G"
  return end < 0 ? text : text.slice(0, end + 1);
}

function placeOf(pointer: string, config: unknown): Place {
  const segments = pointerSegments(pointer);
  if (segments[0] === 'stages' && segments.length >= 2) {
    const stage = isPlainObject(config) && isPlainObject(config.stages) ? config.stages[segments[1]] : undefined;
    const kind = isPlainObject(stage) && typeof stage.kind === 'string' ? stage.kind : undefined;
    return { pointer, stageId: segments[1], kind, rel: segments.slice(2) };
  }
  return { pointer, rel: segments };
}

/** `epochs`, `columns.text`, `labels[0]`; a whole stage is "stage `x`"; the root is "the pipeline". */
function nameOf(place: Place): string {
  if (place.rel.length === 0) return place.stageId !== undefined ? `stage \`${place.stageId}\`` : 'the pipeline';
  const path = place.rel.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return `\`${path}\``;
}

function placePhrase(place: Place): string {
  if (place.stageId === undefined) return place.rel.length === 0 ? 'at the top level' : `in ${nameOf(place)}`;
  const stage = `stage \`${place.stageId}\`${kindSuffix(place)}`;
  return place.rel.length === 0 ? `in ${stage}` : `in ${nameOf(place)} of ${stage}`;
}

function kindSuffix(place: Place): string {
  return place.kind !== undefined ? ` (kind ${place.kind})` : '';
}

function propertiesOf(schema: unknown): Record<string, { description?: unknown }> {
  return isPlainObject(schema) && isPlainObject(schema.properties)
    ? (schema.properties as Record<string, { description?: unknown }>)
    : {};
}

/** string "5", number 5, boolean true, null, a list, a mapping. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (not a finite number)`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
