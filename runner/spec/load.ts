// loadPipeline: a pipeline file → a validated PipelineSpec, or every problem found, each with file:line:col.
//   the file's name (its stem names a folder: names.ts)
//   parse (YAML with locations; extends deep-merged; --set vars.*; ${vars.*}; other --set)
//   → schema (ajv: pipeline, then each stage by kind; defaults filled; x-tfpipe.oneOf key groups)
//   → rules (references, types, cycles)
//   → files (the data files and model folders named exist) → labels (stages that need class labels get them)
//   → params (what a stage would refuse at run time: split sizes, vocab ids)
import { dirname, resolve } from 'node:path';
import { buildSpec } from './build.ts';
import { isPlainObject, loadExtended } from './extends.ts';
import { checkFiles } from './files.ts';
import { readKindCatalog } from './kinds.ts';
import { checkLabels } from './labels.ts';
import { locate } from './locations.ts';
import { pipelineFileNameProblem } from './names.ts';
import { checkOneOf } from './one-of.ts';
import { checkParams } from './params.ts';
import { checkRules } from './rules.ts';
import { checkExecutor } from './executor-rules.ts';
import { validateSchema } from './schema.ts';
import { applySets, SET_FILE, setsVariable } from './set.ts';
import type { LoadOptions, LoadResult, SourceLocation, SpecProblem } from './types.ts';
import { substituteVars } from './vars.ts';

export async function loadPipeline(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const catalog = readKindCatalog(opts.schemasDir);
  const absPath = resolve(file);
  const parsed = await loadExtended(file, absPath);
  const badName = pipelineFileNameProblem(file);
  const problems = [...(badName ? [badName] : []), ...parsed.problems];
  const sets = opts.set ?? [];
  if (parsed.fatal) return failed(problems, file, sets);

  const { value, locs } = parsed;
  // A value left as `${vars.typo}` (or using a variable in a cycle) would fail other checks too: the variable is
  // the problem to show, so the later steps say nothing there.
  const unresolved = new Set<string>();
  if (isPlainObject(value)) {
    const config = { value, locs };
    // vars.* first, so that an overridden variable reaches every ${vars...}; the rest override final values.
    problems.push(...applySets(config, sets.filter(setsVariable)));
    const vars = substituteVars(config);
    problems.push(...vars.problems);
    for (const pointer of vars.unresolved) unresolved.add(locationKey(locate(locs, pointer)));
    problems.push(
      ...applySets(
        config,
        sets.filter((s) => !setsVariable(s)),
      ),
    );
  }
  const later: SpecProblem[] = [];
  later.push(...validateSchema(value, locs, catalog));
  later.push(...checkOneOf(value, locs, catalog));
  const rules = checkRules(value, locs, catalog);
  later.push(...rules.problems);
  later.push(...checkExecutor(value, locs, catalog));
  later.push(...checkFiles(value, locs, catalog, { baseDir: dirname(absPath), env: opts.env }));
  later.push(...checkLabels(value, locs, catalog, rules.inputs));
  later.push(...checkParams(value, locs));
  problems.push(...later.filter((p) => !unresolved.has(locationKey(p.location))));
  if (problems.length > 0 || !isPlainObject(value)) return failed(problems, file, sets);
  return { ok: true, spec: buildSpec(absPath, value, locs, rules.inputs, catalog) };
}

/** Problems without duplicates, in reading order: the file itself, its bases, then --set arguments in order. */
function failed(problems: SpecProblem[], topFile: string, sets: readonly string[]): LoadResult {
  const rank = (p: SpecProblem) =>
    !p.location ? -1 : p.location.file === topFile ? 0 : p.location.file === SET_FILE ? 2 : 1;
  // Every --set location is line 1 of its own argument: order those by argument.
  const line = (l: SourceLocation) => (l.file === SET_FILE ? sets.indexOf(l.lineText) : l.line);
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.code} ${p.message} ${locationKey(p.location)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const sorted = unique
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const la = a.p.location;
      const lb = b.p.location;
      const byPlace = la && lb ? la.file.localeCompare(lb.file) || line(la) - line(lb) || la.col - lb.col : 0;
      return rank(a.p) - rank(b.p) || byPlace || a.i - b.i;
    })
    .map(({ p }) => p);
  return { ok: false, problems: sorted };
}

function locationKey(l: SourceLocation | undefined): string {
  return l ? `${l.file}:${l.line}:${l.col}:${l.lineText}` : '';
}
