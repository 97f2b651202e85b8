// Which stages a run visits, in what order: a pure function of the graph and the selection flags.
//   plan(g)                                   every stage, upstream before downstream
//   plan(g, {to: 'train'})                    train and everything it needs
//   plan(g, {from: 'train'})                  train and everything that reads it, directly or not
//   plan(g, {from: 'vocab', to: 'train'})     the stages on paths from vocab to train
//   plan(g, {only: ['train']})                just train (its inputs must already be cached)
//   plan(g, {only: ['train'], downstream: true})  train and everything after it
// Stages outside the plan whose outputs a planned stage reads are taken from the cache by the executor.
import { reachable, type StageGraph } from './graph.ts';

export interface PlanSelection {
  only?: string[];
  from?: string;
  to?: string;
  downstream?: boolean;
}

export type PlanResult = { ok: true; stages: string[] } | { ok: false; error: string };

export function plan(graph: StageGraph, selection: PlanSelection = {}): PlanResult {
  const unknown = [...(selection.only ?? []), selection.from, selection.to].filter(
    (id): id is string => id !== undefined && !graph.upstream.has(id),
  );
  if (unknown.length > 0)
    return {
      ok: false,
      error: `unknown stage ${unknown.map((id) => `\`${id}\``).join(', ')}; stages are ${graph.ids.join(', ')}`,
    };
  if (selection.only && (selection.from || selection.to))
    return { ok: false, error: '--only cannot be combined with --from or --to' };

  let selected = new Set(graph.ids);
  if (selection.only) {
    selected = new Set(selection.only);
    if (selection.downstream)
      for (const id of selection.only) for (const d of reachable(id, graph.downstream)) selected.add(d);
  }
  if (selection.from) {
    const after = reachable(selection.from, graph.downstream).add(selection.from);
    selected = intersect(selected, after);
  }
  if (selection.to) {
    const before = reachable(selection.to, graph.upstream).add(selection.to);
    selected = intersect(selected, before);
  }
  if (selection.from && selection.to && selected.size === 0) {
    return { ok: false, error: `\`${selection.to}\` does not depend on \`${selection.from}\`` };
  }
  return { ok: true, stages: topologicalOrder(graph).filter((id) => selected.has(id)) };
}

/** Kahn's algorithm, taking ready stages in file order so the order is stable and readable. */
export function topologicalOrder(graph: StageGraph): string[] {
  const waiting = new Map(graph.ids.map((id) => [id, graph.upstream.get(id)!.length]));
  const order: string[] = [];
  while (order.length < graph.ids.length) {
    const ready = graph.ids.find((id) => waiting.get(id) === 0);
    if (ready === undefined) throw new Error('stage graph has a cycle (the spec rules should have rejected it)');
    waiting.set(ready, -1);
    order.push(ready);
    for (const d of graph.downstream.get(ready)!) waiting.set(d, waiting.get(d)! - 1);
  }
  return order;
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((x) => b.has(x)));
}
