// `tfpipe report RUN...`: one self-contained HTML file for the given runs (default: the last), read like a results
// page — summary, compare tables, overlaid curves, classifier figures, texts, then the full tables folded.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { buildReportHtml } from '../report/build.ts';
import { collectReportRuns } from '../report/collect.ts';
import { confinedPath, PathEscapeError } from '../../lib/fs/confine.ts';
import { describeSystemError, isPathProblem } from '../exec/system-errors.ts';
import { registryHome } from '../runs/registry.ts';
import { parseCommandArgs, str } from './args.ts';
import { CommandFailure, EXIT, UsageError, type CommandIO } from './io.ts';
import { lookupRun, openRegistry } from './runs.ts';

const HELP = `usage: tfpipe report [RUN ...] [--out FILE] [--cache-dir DIR]

Writes one HTML file for the runs (ids, unique prefixes, LAST or LAST~N; default LAST). It opens with a summary:
the runs side by side with the params that differ and their key metrics (a sweep's runs named by their swept
values). Then each compare stage's table; training curves from history.csv and steps.csv, every run and stage
overlaid on one chart per quantity; for classifiers per-class precision, recall and F1, and with two classes ROC
and precision-recall curves with their areas; generated texts. Every metric, the stage tables and the resolved
configs follow, folded. Charts have tooltips and clickable legends; the Vega runtime is inlined, so the file opens
without a network. Default file: .tfpipe/reports/<run ids>.html; the folder of --out FILE must exist.
`;

export async function reportCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, 'cache-dir': { type: 'string' } });
  if (args.help) return (io.out(HELP), EXIT.ok);
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  const records = (args.positionals.length > 0 ? args.positionals : ['LAST']).map((ref) => lookupRun(registry, ref));
  const ids = records.map((r) => r.id);
  const name = ids.length <= 3 ? ids.join('_') : `${ids[0]}_and_${ids.length - 1}_more`;
  const asked = str(args.values.out);
  // The default goes to tfpipe's own folder (created, and the name from the run ids confined to it); --out is the
  // user's: its folder must already exist, tfpipe does not create folders it was not asked for.
  const reports = join(registryHome(registry.cache.root), 'reports');
  const out = asked !== undefined ? resolve(io.cwd, asked) : defaultReportPath(reports, name);
  if (asked !== undefined) await requireFolder(dirname(out), asked);
  if ((await stat(out).catch(() => undefined))?.isDirectory())
    throw new UsageError(`--out ${out} is a folder; give the path of the HTML file to write`);
  const html = await buildReportHtml(await collectReportRuns(records));
  try {
    if (asked === undefined) await mkdir(reports, { recursive: true });
    await writeFile(out, html);
  } catch (error) {
    if (asked !== undefined && isPathProblem(error)) throw new UsageError(`--out: ${describeSystemError(error)}`);
    throw error;
  }
  io.out(`report of ${ids.join(', ')} written to ${relative(io.cwd, out) || out}\n`);
  return EXIT.ok;
}

/** `--out a/b/report.html` needs the folder a/b to exist: a typo there should not make new folders. */
async function requireFolder(dir: string, asked: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info)
    throw new UsageError(
      `--out ${asked}: the folder ${dir} does not exist (create it first; tfpipe only creates its own folders)`,
    );
  if (!info.isDirectory()) throw new UsageError(`--out ${asked}: ${dir} is not a folder`);
}

/** <home>/reports/<name>.html; a name that would leave that folder (a record's id is read from disk) is refused. */
function defaultReportPath(reports: string, name: string): string {
  try {
    return confinedPath(reports, `${name}.html`);
  } catch (error) {
    throw error instanceof PathEscapeError ? new CommandFailure(error.message) : error;
  }
}
