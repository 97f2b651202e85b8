// The params that tell runs apart: every leaf of each record's resolved config, as a dotted path
// (stages.train.bidirectional), kept where the runs do not all hold the same value.
//   differingParams([{stages: {train: {lr: 0.01}}}, {stages: {train: {lr: 0.003}}}])
//     → [{path: 'stages.train.lr', values: [0.01, 0.003]}]

export interface DifferingParam {
  path: string;
  /** One per config, undefined where that config lacks the path. */
  values: unknown[];
}

/** Leaves of a config by dotted path; arrays are leaves (a list of prompts is one param). */
export function flattenConfig(
  config: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config)) flattenConfig(value, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out[prefix] = config;
  }
  return out;
}

export function differingParams(configs: readonly unknown[]): DifferingParam[] {
  if (configs.length < 2) return [];
  const flat = configs.map((c) => flattenConfig(c));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  return paths
    .map((path) => ({ path, values: flat.map((f) => f[path]) }))
    .filter(({ values }) => new Set(values.map((v) => JSON.stringify(v))).size > 1);
}
