// `tfpipe report RUN...`: one self-contained HTML file for the given runs (default: the last) — config, stage
// table, metric tables, training curves (runs overlaid), confusion matrices, examples and generated texts.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { buildReportHtml } from '../report/build.ts';
import { collectReportRuns } from '../report/collect.ts';
import { describeSystemError, isPathProblem } from '../exec/system-errors.ts';
import { registryHome } from '../runs/registry.ts';
import { parseCommandArgs, str } from './args.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';
import { lookupRun, openRegistry } from './runs.ts';

const HELP = `usage: tfpipe report [RUN ...] [--out FILE] [--cache-dir DIR]

Writes one HTML file for the runs (ids, unique prefixes, LAST or LAST~N; default LAST): per run the config,
the stage table (ran or cached, time) and metric tables; training curves from the stages' history.csv
(loss and accuracy per epoch, train and valid on one plot) and steps.csv (loss per logging step), the runs
overlaid; confusion matrices and examples from metrics.json; generated texts from texts.json. The charts are
inline SVG: the file opens without a network. Default file: .tfpipe/reports/<run ids>.html.
`;

export async function reportCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, 'cache-dir': { type: 'string' } });
  if (args.help) return io.out(HELP), EXIT.ok;
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  const records = (args.positionals.length > 0 ? args.positionals : ['LAST']).map((ref) => lookupRun(registry, ref));
  const ids = records.map((r) => r.id);
  const name = ids.length <= 3 ? ids.join('_') : `${ids[0]}_and_${ids.length - 1}_more`;
  const out = str(args.values.out) !== undefined ? resolve(io.cwd, str(args.values.out)!) : join(registryHome(registry.cache.root), 'reports', `${name}.html`);
  if ((await stat(out).catch(() => undefined))?.isDirectory()) throw new UsageError(`--out ${out} is a folder; give the path of the HTML file to write`);
  const html = await buildReportHtml(await collectReportRuns(records));
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, html);
  } catch (error) {
    if (isPathProblem(error)) throw new UsageError(`--out: ${describeSystemError(error)}`);
    throw error;
  }
  io.out(`report of ${ids.join(', ')} written to ${relative(io.cwd, out) || out}\n`);
  return EXIT.ok;
}
