// A pipeline file's stem names a folder: .tfpipe/metrics/<stem>/<stage>/ (runner/runs/metrics-export.ts). So the stem
// must be one plain folder name: letters (any script), digits, `_`, `-` and `.`, not starting with `.`, at most
// 100 characters. `...yaml` has the stem `..`, which would put the metrics of a stage `cache` in .tfpipe/cache.
// Stage ids, the other half of that path, are held to their own pattern and length by the pipeline schema
// (propertyNames); keys that could reach a prototype are refused in forbidden-keys.ts.
import { basename, extname } from 'node:path';
import type { SpecProblem } from './types.ts';

export const STEM_MAX_LENGTH = 100;
const STEM_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

/** The problem with the pipeline file's name, or undefined when its stem can name a folder. */
export function pipelineFileNameProblem(displayPath: string): SpecProblem | undefined {
  const name = basename(displayPath);
  const stem = basename(displayPath, extname(displayPath));
  const why =
    [...stem].length > STEM_MAX_LENGTH
      ? `its stem is ${[...stem].length} characters long (at most ${STEM_MAX_LENGTH})`
      : !STEM_PATTERN.test(stem)
        ? `its stem ${JSON.stringify(stem)} is not a plain name`
        : undefined;
  if (!why) return undefined;
  return {
    code: 'bad-file-name',
    message: `pipeline file ${displayPath}: the name \`${name}\` cannot be used: ${why}; tfpipe keeps the pipeline's metrics in .tfpipe/metrics/<stem>/`,
    hint: `rename the file: a stem of letters, digits, \`_\`, \`-\` and \`.\`, not starting with \`.\`, at most ${STEM_MAX_LENGTH} characters (e.g. lab1.yaml)`,
  };
}
