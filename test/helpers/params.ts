// Stage params as a pipeline run hands them to a stage: the kind's schema applied by the same ajv pass the loader
// uses, so defaults come from the schema alone (a test never repeats them) and a param the schema refuses fails here.
import { kindInfo } from '../../runner/spec/kinds.ts';
import { createAjv } from '../../runner/spec/schema.ts';
import type { ValidateFunction } from 'ajv/dist/2020.js';

const validators = new Map<string, ValidateFunction>();

/**
 * `params` (kind and input ports left out) with the schema's defaults filled in; throws on a schema error. `ports`:
 * the input ports the stage will be given (some schemas require a port only with certain params).
 */
export function stageParams<P>(kind: string, params: Record<string, unknown>, ports: readonly string[] = []): P {
  let validate = validators.get(kind);
  if (!validate) {
    validate = createAjv().compile(kindInfo(kind).schema);
    validators.set(kind, validate);
  }
  const inputs = Object.keys(kindInfo(kind).inputs);
  // Input ports are strings in a pipeline; any stage name satisfies the schema here.
  const given = inputs.filter((p) => kindInfo(kind).inputs[p].required || ports.includes(p));
  const value: Record<string, unknown> = { kind, ...Object.fromEntries(given.map((p) => [p, 'upstream'])), ...structuredClone(params) };
  if (!validate(value)) throw new Error(`${kind} params ${JSON.stringify(params)}: ${validate.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  delete value.kind;
  for (const port of inputs) if (!(port in params)) delete value[port];
  return value as P;
}
