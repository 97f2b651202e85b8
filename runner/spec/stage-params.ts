// One stage's params as a pipeline run hands them to the stage: its kind's schema applied by the same compiled ajv
// validator the pipeline loader uses, so the defaults come from the schema alone. For params that never pass
// through a pipeline file: a command that runs one stage on its own, the tests, the benchmarks.
//   stageParams<VocabParams>('vocab', { min_freq: 2 }) → { min_freq: 2, max_size?: …, pad_token: '<pad>', … }
import { kindInfo } from './kinds.ts';
import { stageValidator } from './schema.ts';

/**
 * `params` (kind and input ports left out) with the schema's defaults filled in; throws on a schema error. `ports`:
 * the input ports the stage will be given (some schemas require a port only with certain params).
 */
export function stageParams<P>(kind: string, params: Record<string, unknown>, ports: readonly string[] = []): P {
  const validate = stageValidator(kind);
  if (!validate) throw new Error(`unknown stage kind '${kind}'`);
  const inputs = Object.keys(kindInfo(kind).inputs);
  // Input ports are strings in a pipeline; any stage name satisfies the schema here.
  const given = inputs.filter((p) => kindInfo(kind).inputs[p].required || ports.includes(p));
  const value: Record<string, unknown> = {
    kind,
    ...Object.fromEntries(given.map((p) => [p, 'upstream'])),
    ...structuredClone(params),
  };
  if (!validate(value))
    throw new Error(
      `${kind} params ${JSON.stringify(params)}: ${validate.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`,
    );
  delete value.kind;
  for (const port of inputs) if (!(port in params)) delete value[port];
  return value as P;
}
