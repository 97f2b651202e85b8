// `tfpipe diff A B`: two pipeline files or recorded runs (default: the last two runs) compared — config paths
// that differ (old → new), the metrics that changed side by side with their change (the equal ones counted, shown
// with --all), and per stage whether they share the cache entry or the first cause they don't. Comparing files runs
// nothing: fingerprints are computed, metrics come from the cache entries present.
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { backendChoice } from '../exec/backend.ts';
import { diffSides, type DiffSide } from '../runs/compare.ts';
import { formatDiffJson, formatDiffMarkdown, formatDiffText } from '../runs/format-diff.ts';
import { sideFromRun, sideFromSpec } from '../runs/sides.ts';
import { parseCommandArgs, str } from './args.ts';
import { loadSpecOrReport, requestedBackend } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';
import { lookupRun, openRegistry, type Registry } from './runs.ts';

const HELP = `usage: tfpipe diff [A B] [--all] [--md | --json] [--backend NAME] [--cache-dir DIR]

Compares A with B; each is a pipeline file or a recorded run (an id, a name given with tfpipe run --name, a unique
prefix of an id, LAST or LAST~N). Without A and B: the last two runs (LAST~1 and LAST). Prints, in this order
  config   the resolved values that differ, as dotted paths (old → new); name, descriptions and vars are left out
  metrics  the metrics that changed: A, B, change and relative change; evaluation metrics (evaluate and compare
           stages, test_*, valid_*, perplexity) first, then training, then data counts (rows, vocab size);
           the equal ones are counted in one line
  stages   per stage: shared (same cache entry), or the first cause it differs (param, input file, upstream,
           version, backend, seed)
For a pipeline file nothing runs: its fingerprints are computed and metrics come from the cache where present.

options:
  --all            also the metrics that are equal on both sides (after the changed ones)
  --md             Markdown
  --json           JSON: every metric, each with \`changed\` and its \`group\` (evaluation, training, other, data)
  --backend NAME   backend assumed for pipeline files (default: the file's, or TFPIPE_BACKEND)
`;

export async function diffCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    md: { type: 'boolean' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.values.md && args.values.json) throw new UsageError('choose one of --md and --json');
  const refs = args.positionals.length === 0 ? ['LAST~1', 'LAST'] : args.positionals;
  if (refs.length !== 2)
    throw new UsageError('tfpipe diff takes two pipeline files or runs (or none: the last two runs)');
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  const sides: DiffSide[] = [];
  for (const ref of refs) {
    const side = await openSide(io, registry, ref, str(args.values.backend));
    if (!side) return EXIT.invalid;
    sides.push(side);
  }
  const report = diffSides(sides[0], sides[1]);
  const view = { all: args.values.all === true };
  io.out(
    args.values.json
      ? formatDiffJson(report)
      : args.values.md
        ? formatDiffMarkdown(report, view)
        : formatDiffText(report, view),
  );
  return EXIT.ok;
}

/** A pipeline file when it names an existing file or ends in .yaml/.yml; else a run. null: the file is invalid. */
async function openSide(
  io: CommandIO,
  registry: Registry,
  ref: string,
  backendFlag: string | undefined,
): Promise<DiffSide | null> {
  const path = resolve(io.cwd, ref);
  const isFile =
    /\.ya?ml$/i.test(ref) ||
    (await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ));
  if (!isFile) return sideFromRun(lookupRun(registry, ref), registry.cache);
  const spec = await loadSpecOrReport(io, ref);
  if (!spec) return null;
  const backend = (
    await backendChoice(requestedBackend(io, backendFlag, spec), { cacheRoot: registry.cache.root, env: io.env })
  ).name;
  return sideFromSpec(spec, { label: relative(io.cwd, path) || path, backend, env: io.env, cache: registry.cache });
}
