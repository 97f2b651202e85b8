// The rules of the `executor:` block no schema can state: its `stages:` name stages of the file and its `kinds:` name
// known kinds. (`job_cache:` needs a remote cache, which --remote may give: `tfpipe run` checks that.)
import { isPlainObject } from './extends.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import type { KindCatalog } from './kinds.ts';
import { didYouMean, joinHints } from './suggest.ts';
import type { SpecProblem } from './types.ts';

export function checkExecutor(config: unknown, locs: LocationMap, catalog: KindCatalog): SpecProblem[] {
  if (!isPlainObject(config) || !isPlainObject(config.executor)) return [];
  const executor = config.executor;
  const problems: SpecProblem[] = [];
  const named = (key: 'stages' | 'kinds', known: string[], what: string) => {
    const block = executor[key];
    if (!isPlainObject(block)) return;
    for (const name of Object.keys(block)) {
      if (known.includes(name)) continue;
      problems.push({
        code: key === 'stages' ? 'unknown-stage' : 'unknown-kind',
        message: `\`executor.${key}\` names unknown ${what} \`${name}\``,
        location: locate(locs, childPointer(`/executor/${key}`, name), 'key'),
        hint: joinHints(didYouMean(name, known), `${what}s: ${known.join(', ')}`),
      });
    }
  };
  named('stages', isPlainObject(config.stages) ? Object.keys(config.stages) : [], 'stage');
  named('kinds', [...catalog.info.keys()], 'kind');
  return problems;
}
