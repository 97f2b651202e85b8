// Step 3 of loading: rules no schema can state. Each input port names `upstream` or `upstream.output`; the
// stage must exist, have that output, and produce an artifact type the port accepts; the stages must not form a
// cycle. Runs on whatever is well-formed enough, after the schema, so one run reports every problem.
import { isPlainObject } from './extends.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import type { KindCatalog } from './kinds.ts';
import { closestMatch, didYouMean, joinHints, listAlternatives } from './suggest.ts';
import type { InputBinding, SpecProblem } from './types.ts';
import { listInputKey } from '../../stages/stage.ts';

/** `to` takes `from`'s output through the ref at `pointer`, shown as `label` (the edge is the data flow). */
interface Edge {
  from: string;
  to: string;
  pointer: string;
  label: string;
}

export interface RulesResult {
  problems: SpecProblem[];
  /** Stage id → port → binding, for every port that passed the rules. */
  inputs: Map<string, Record<string, InputBinding>>;
}

export function checkRules(config: unknown, locs: LocationMap, catalog: KindCatalog): RulesResult {
  const problems: SpecProblem[] = [];
  const inputs = new Map<string, Record<string, InputBinding>>();
  if (!isPlainObject(config) || !isPlainObject(config.stages)) return { problems, inputs };
  const stages = config.stages;
  const ids = Object.keys(stages);
  const edges: Edge[] = [];

  for (const [id, stage] of Object.entries(stages)) {
    const info = isPlainObject(stage) && typeof stage.kind === 'string' ? catalog.info.get(stage.kind) : undefined;
    if (!info || !isPlainObject(stage)) continue;
    const bound: Record<string, InputBinding> = {};
    inputs.set(id, bound);
    for (const [port, accepts] of Object.entries(info.inputs)) {
      const portPointer = childPointer(childPointer('/stages', id), port);
      // One ref, or (a port of shape named-lists) lists of refs under names: each binds its own key.
      const refs: [key: string, ref: unknown, pointer: string, label: string][] = [];
      if (accepts.shape === 'one') refs.push([port, stage[port], portPointer, `\`${id}.${port}\``]);
      else if (isPlainObject(stage[port])) {
        for (const [name, list] of Object.entries(stage[port])) {
          if (!Array.isArray(list)) continue; // the schema said so
          list.forEach((ref, i) =>
            refs.push([
              listInputKey(port, name, i),
              ref,
              childPointer(childPointer(portPointer, name), i),
              `\`${id}.${port}.${name}[${i}]\``,
            ]),
          );
        }
      }
      for (const [key, ref, pointer, label] of refs) {
        const binding = bindRef(id, ref, pointer, label, accepts.types);
        if (binding) bound[key] = binding;
      }
    }
  }

  /** `ref` (`upstream` or `upstream.output`) checked and bound, or undefined with its problem recorded. */
  function bindRef(
    id: string,
    ref: unknown,
    pointer: string,
    label: string,
    types: readonly string[],
  ): InputBinding | undefined {
    if (typeof ref !== 'string') return undefined; // missing or not a string: the schema said so
    const location = locate(locs, pointer);
    const dot = ref.indexOf('.');
    const upstream = dot < 0 ? ref : ref.slice(0, dot);
    if (upstream === id) {
      problems.push({
        code: 'cycle',
        message: `${label} refers to its own stage \`${id}\``,
        location,
        hint: 'a stage takes inputs from other stages only',
      });
      return undefined;
    }
    if (!Object.hasOwn(stages, upstream)) {
      const others = ids.filter((s) => s !== id);
      problems.push({
        code: 'unknown-stage',
        message: `${label} names unknown stage \`${upstream}\``,
        location,
        hint: joinHints(didYouMean(upstream, others), `stages: ${others.join(', ')}`),
      });
      return undefined;
    }
    edges.push({ from: upstream, to: id, pointer, label });
    const up = stages[upstream];
    const upInfo = isPlainObject(up) && typeof up.kind === 'string' ? catalog.info.get(up.kind) : undefined;
    if (!upInfo) return undefined; // its kind is already reported
    const outputNames = Object.keys(upInfo.outputs);
    const output = dot < 0 ? upInfo.defaultOutput : ref.slice(dot + 1);
    if (!Object.hasOwn(upInfo.outputs, output)) {
      const guess = closestMatch(output, outputNames);
      problems.push({
        code: 'unknown-output',
        message: `${label} names output \`${output}\`, but stage \`${upstream}\` (kind ${upInfo.kind}) has outputs: ${outputNames.join(', ')}`,
        location,
        hint: guess !== undefined ? `did you mean \`${upstream}.${guess}\`?` : undefined,
      });
      return undefined;
    }
    const type = upInfo.outputs[output].type;
    if (!types.includes(type)) {
      const fitting = outputNames.filter((o) => types.includes(upInfo.outputs[o].type)).map((o) => `${upstream}.${o}`);
      problems.push({
        code: 'wrong-artifact-type',
        message: `${label} expects ${types.join(' or ')}, but \`${ref}\` gives ${type}`,
        location,
        hint:
          fitting.length > 0
            ? `did you mean ${listAlternatives(fitting)}?`
            : suggestProducer(id, types, stages, catalog),
      });
      return undefined;
    }
    return { stage: upstream, output, type };
  }

  problems.push(...findCycles(ids, edges, locs));
  return { problems, inputs };
}

/** When the named stage has no fitting output: the other stages that do ("did you mean `vocab`?"). */
function suggestProducer(
  id: string,
  types: readonly string[],
  stages: Record<string, unknown>,
  catalog: KindCatalog,
): string {
  const refs: string[] = [];
  for (const [other, body] of Object.entries(stages)) {
    const info = isPlainObject(body) && typeof body.kind === 'string' ? catalog.info.get(body.kind) : undefined;
    if (!info || other === id) continue;
    if (types.includes(info.outputs[info.defaultOutput].type)) refs.push(other);
    else
      for (const [name, out] of Object.entries(info.outputs))
        if (types.includes(out.type)) refs.push(`${other}.${name}`);
  }
  return refs.length > 0 ? `did you mean ${listAlternatives(refs)}?` : `no stage gives ${types.join(' or ')}`;
}

/**
 * One problem per cycle found by a depth-first search along the inputs, printed in data-flow order from the
 * cycle's first stage in the file (`a -> b -> c -> a`: a feeds b, ...), at the input of that stage that closes it.
 */
function findCycles(ids: string[], edges: Edge[], locs: LocationMap): SpecProblem[] {
  const upstreams = new Map<string, Edge[]>(ids.map((id) => [id, []]));
  for (const e of edges) upstreams.get(e.to)!.push(e);
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const problems: SpecProblem[] = [];

  const visit = (id: string) => {
    state.set(id, 'active');
    stack.push(id);
    for (const e of upstreams.get(id)!) {
      if (state.get(e.from) === 'active') {
        // stack from e.from to id: each depends on the next; id depends on e.from.
        const dependencyOrder = stack.slice(stack.indexOf(e.from));
        const key = [...dependencyOrder].sort().join('\0');
        if (!seen.has(key)) {
          seen.add(key);
          problems.push(describeCycle(dependencyOrder, ids, edges, locs));
        }
      } else if (!state.has(e.from)) {
        visit(e.from);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  return problems;
}

function describeCycle(dependencyOrder: string[], ids: string[], edges: Edge[], locs: LocationMap): SpecProblem {
  const flow = [...dependencyOrder].reverse();
  const first = flow.reduce((a, b) => (ids.indexOf(b) < ids.indexOf(a) ? b : a));
  const start = flow.indexOf(first);
  const rotated = [...flow.slice(start), ...flow.slice(0, start)];
  const feeder = rotated[rotated.length - 1];
  const closing = edges.find((e) => e.to === first && e.from === feeder)!;
  return {
    code: 'cycle',
    message: `cycle: ${[...rotated, first].join(' -> ')}`,
    location: locate(locs, closing.pointer),
    hint: `${closing.label} takes \`${feeder}\`, which depends on \`${first}\`; a stage cannot depend on its own output`,
  };
}
