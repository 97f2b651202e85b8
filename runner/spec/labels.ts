// Step 5 of loading: class labels reach the stages that need them (training a classifier, scoring one), traced
// along the graph from what each kind declares in its schema (`x-tfpipe.labels`, see LabelRule in kinds.ts), so that
// `evaluate` of a classifier on WikiText stops at `validate` rather than after the training. No file is read:
//   load      labelled when its params say so (`dataset: imdb`, or a `columns.label`)
//   split     labelled when its input is (likewise tokenize; train's model predicts labels when trained on them)
//   train     needs labelled `data`;  evaluate needs labelled `data` when its `model` predicts labels
// A kind that declares nothing is not traced: stages downstream of it are never refused for labels.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { isPlainObject } from './extends.ts';
import type { KindCatalog, KindInfo, LabelRule } from './kinds.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import { createAjv } from './schema.ts';
import type { InputBinding, SpecProblem } from './types.ts';

/** `inputs`: the bindings that passed the rules (stage id → port → upstream). */
export function checkLabels(
  config: unknown,
  locs: LocationMap,
  catalog: KindCatalog,
  inputs: Map<string, Record<string, InputBinding>>,
): SpecProblem[] {
  if (!isPlainObject(config) || !isPlainObject(config.stages)) return [];
  const stages = config.stages;
  const infoOf = (id: string): KindInfo | undefined => {
    const body = stages[id];
    return isPlainObject(body) && typeof body.kind === 'string' ? catalog.info.get(body.kind) : undefined;
  };
  /** The upstream stages of `ports` that `id` uses, or undefined when one of them did not bind (unknown). */
  const upstreamsOf = (id: string, ports: readonly string[]): string[] | undefined => {
    const body = stages[id] as Record<string, unknown>;
    const bound = inputs.get(id) ?? {};
    const used = ports.filter((port) => body[port] !== undefined);
    return used.every((port) => bound[port]) ? used.map((port) => bound[port].stage) : undefined;
  };

  // true: its outputs carry labels; false: they do not; undefined: not known (undeclared kind, broken input, cycle).
  const memo = new Map<string, boolean | undefined>();
  const labelled = (id: string): boolean | undefined => {
    if (memo.has(id)) return memo.get(id);
    memo.set(id, undefined); // a cycle (reported by the rules) reads as unknown
    const rule = infoOf(id)?.labels;
    let result: boolean | undefined;
    if (rule) {
      const upstreams = upstreamsOf(id, rule.from);
      const fromInputs = upstreams?.map(labelled) ?? [undefined];
      if (rule.when !== undefined && matches(rule, stages[id])) result = true;
      else if (fromInputs.includes(true)) result = true;
      else result = fromInputs.includes(undefined) ? undefined : false;
    }
    memo.set(id, result);
    return result;
  };

  const problems: SpecProblem[] = [];
  for (const id of Object.keys(stages)) {
    const info = infoOf(id);
    const bound = inputs.get(id) ?? {};
    for (const [port, condition] of Object.entries(info?.labels?.need ?? {})) {
      const upstream = bound[port]?.stage;
      if (upstream === undefined || labelled(upstream) !== false) continue;
      const predictor = condition === true ? undefined : bound[condition]?.stage;
      if (condition !== true && (predictor === undefined || labelled(predictor) !== true)) continue;
      const label = `\`${id}.${port}\``;
      const source = origin(upstream, infoOf, upstreamsOf);
      const sourceInfo = infoOf(source)!;
      problems.push({
        code: 'needs-labels',
        message:
          predictor === undefined
            ? `${label} has no class labels, which a ${info!.kind} stage needs`
            : `${label} has no class labels to score the classifier \`${predictor}\` (its \`${condition}\`) against`,
        location: locate(locs, childPointer(childPointer('/stages', id), port)),
        hint: [
          `its rows come from stage \`${source}\` (kind ${sourceInfo.kind}), which has none`,
          sourceInfo.labels?.hint,
        ]
          .filter(Boolean)
          .join('; '),
      });
    }
  }
  return problems;
}

/** The stage where the labels of an unlabelled `id` end: back along the inputs it would take them from. */
function origin(
  id: string,
  infoOf: (id: string) => KindInfo | undefined,
  upstreamsOf: (id: string, ports: readonly string[]) => string[] | undefined,
): string {
  const next = (at: string) => upstreamsOf(at, infoOf(at)?.labels?.from ?? [])?.[0];
  const seen = new Set<string>([id]);
  let at = id;
  for (let up = next(at); up !== undefined && !seen.has(up); up = next(at)) seen.add((at = up));
  return at;
}

const compiled = new WeakMap<LabelRule, ValidateFunction>();

function matches(rule: LabelRule, params: unknown): boolean {
  let validate = compiled.get(rule);
  if (!validate) {
    validate = createAjv().compile(rule.when!);
    compiled.set(rule, validate);
  }
  return validate(params) === true;
}
