// The stage graph: which stage reads which. Built from a validated PipelineSpec (the spec rules already rejected
// dangling references and cycles, so every edge points at a stage that exists).
import type { PipelineSpec } from '../spec/types.ts';

export interface StageGraph {
  /** Stage ids in file order. */
  ids: string[];
  /** id → the stages it reads from (deduplicated, file order). */
  upstream: Map<string, string[]>;
  /** id → the stages that read from it. */
  downstream: Map<string, string[]>;
}

export function buildGraph(spec: Pick<PipelineSpec, 'stages'>): StageGraph {
  return graphFromEdges(
    spec.stages.map((s) => s.id),
    Object.fromEntries(spec.stages.map((s) => [s.id, Object.values(s.inputs).map((b) => b.stage)])),
  );
}

/** A graph from ids and `id → upstream ids`: what tests use to draw small graphs. */
export function graphFromEdges(ids: string[], edges: Record<string, string[]>): StageGraph {
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) {
    const ups = [...new Set(edges[id] ?? [])];
    upstream.set(id, ups);
    for (const up of ups) downstream.get(up)?.push(id);
  }
  return { ids, upstream, downstream };
}

/** Every stage reachable by following `next` from `start` (start excluded). */
export function reachable(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return seen;
}
