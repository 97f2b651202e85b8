// `tfpipe validate FILE`: parse → schema → rules; every problem with file:line:col, exit 2 if any.
import { parseCommandArgs, list } from './args.ts';
import { loadSpecOrReport } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe validate FILE [--set PATH=VALUE ...]

Checks FILE (and the files it extends) against the pipeline schema and the stage rules, and reports every
problem at its file:line:col. Exit code 0 when valid, 2 otherwise.
`;

export async function validateCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { set: { type: 'string', multiple: true } });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length !== 1) throw new UsageError('tfpipe validate takes one pipeline file');
  const spec = await loadSpecOrReport(io, args.positionals[0], list(args.values.set));
  if (!spec) return EXIT.invalid;
  io.out(`${args.positionals[0]}: valid — ${spec.stages.length} stages (${spec.stages.map((s) => s.id).join(', ')})\n`);
  return EXIT.ok;
}
