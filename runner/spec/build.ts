// The validated config → PipelineSpec (see types.ts): defaults for name, backend and seed; stages in file order,
// each with its params (every key but kind, description and the single-ref input ports) and its resolved inputs.
import { basename, extname } from 'node:path';
import type { KindCatalog } from './kinds.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import type { ExecutorSettings, InputBinding, PipelineSpec, SourceLocation, StageSpec } from './types.ts';
import { isPlainObject } from './extends.ts';

/** `config` must have passed the schema and the rules (so every stage is a mapping of a known kind). */
export function buildSpec(
  absPath: string,
  config: Record<string, unknown>,
  locs: LocationMap,
  inputs: Map<string, Record<string, InputBinding>>,
  catalog: KindCatalog,
): PipelineSpec {
  const stages = Object.entries(config.stages as Record<string, Record<string, unknown>>).map(
    ([id, body]): StageSpec => {
      const kind = body.kind as string;
      const ports = catalog.info.get(kind)?.inputs ?? {};
      const params: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(body)) {
        // A port of named lists stays in the params too: its names and order are the stage's to read.
        const port = Object.hasOwn(ports, key) ? ports[key] : undefined;
        if (key !== 'kind' && key !== 'description' && (!port || port.shape === 'named-lists')) params[key] = value;
      }
      return {
        id,
        kind,
        ...(typeof body.description === 'string' ? { description: body.description } : {}),
        params,
        inputs: inputs.get(id) ?? {},
        location: locate(locs, childPointer('/stages', id), 'key') ?? unknownLocation(absPath),
      };
    },
  );
  return {
    file: absPath,
    name: typeof config.name === 'string' ? config.name : basename(absPath, extname(absPath)),
    ...(typeof config.description === 'string' ? { description: config.description } : {}),
    backend: config.backend as PipelineSpec['backend'],
    seed: config.seed as number,
    ...(typeof config.remote === 'string' ? { remote: config.remote } : {}),
    ...(isPlainObject(config.executor) ? { executor: config.executor as unknown as ExecutorSettings } : {}),
    stages,
    resolved: structuredClone(config),
  };
}

function unknownLocation(file: string): SourceLocation {
  return { file, line: 1, col: 1, lineText: '' };
}
