// A rule the stage schemas declare and JSON Schema cannot say readably: `"x-tfpipe": {"oneOf": [["base", "model"]]}`
// means a stage gives exactly one of those keys (a param or an input port). Neither and both are reported at the
// stage, or at the second key given, before anything runs.
import { isPlainObject } from './extends.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import type { KindCatalog } from './kinds.ts';
import type { SpecProblem } from './types.ts';

export function checkOneOf(config: unknown, locs: LocationMap, catalog: KindCatalog): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isPlainObject(config) || !isPlainObject(config.stages)) return problems;
  for (const [id, stage] of Object.entries(config.stages)) {
    const info = isPlainObject(stage) && typeof stage.kind === 'string' ? catalog.info.get(stage.kind) : undefined;
    if (!info || !isPlainObject(stage)) continue;
    const pointer = childPointer('/stages', id);
    for (const group of info.oneOf) {
      // In the order the file gives them, so the problem sits at the second one written.
      const line = (key: string) => locate(locs, childPointer(pointer, key), 'key')?.line ?? 0;
      const given = group.filter((key) => stage[key] !== undefined).sort((a, b) => line(a) - line(b));
      const keys = group.map((key) => `\`${key}\``).join(' or ');
      if (given.length === 0) {
        problems.push({
          code: 'missing-key',
          message: `stage \`${id}\` (kind ${info.kind}) needs ${keys}`,
          location: locate(locs, pointer, 'key'),
          hint: describeKeys(info.schema, group),
        });
      } else if (given.length > 1) {
        problems.push({
          code: 'schema',
          message: `stage \`${id}\` (kind ${info.kind}) gives ${given.map((key) => `\`${key}\``).join(' and ')}; give only one of ${keys}`,
          location: locate(locs, childPointer(pointer, given[1]), 'key'),
        });
      }
    }
  }
  return problems;
}

function describeKeys(schema: Record<string, unknown>, group: string[]): string | undefined {
  const properties = (schema.properties ?? {}) as Record<string, { description?: unknown }>;
  const lines = group.map((key) =>
    typeof properties[key]?.description === 'string' ? `\`${key}\`: ${properties[key].description}` : undefined,
  );
  return lines.every((l) => l === undefined)
    ? undefined
    : lines
        .filter(Boolean)
        .map((l) => l!.replace(/\.$/, ''))
        .join('; ');
}
