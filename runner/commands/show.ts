// `tfpipe show RUN`: one recorded run in full — pipeline, status, times, backend, per stage what happened and
// its metrics, and the resolved config. RUN is an id, a name given with --name, a unique prefix, LAST or LAST~N.
import { formatRunDetails } from '../runs/format-runs.ts';
import { effectiveStatus } from '../runs/registry.ts';
import { parseCommandArgs, str } from './args.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';
import { lookupRun, openRegistry } from './runs.ts';

const HELP = `usage: tfpipe show [RUN] [--json] [--cache-dir DIR]

Prints one recorded run: its name, pipeline, status, start and duration, tfpipe version, backend and device, a
sweep run's values, the git commit it ran from (and whether the work tree had uncommitted changes), per stage
whether it ran or came from the cache (with its time and fingerprint), the metrics, and the resolved config.
RUN is a run id (see tfpipe runs), a name given with tfpipe run --name (the newest run of that name), a unique
prefix of an id, LAST (the default) or LAST~N.
`;

export async function showCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, { json: { type: 'boolean' }, 'cache-dir': { type: 'string' } });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length > 1) throw new UsageError('tfpipe show takes one run');
  const registry = await openRegistry(io, str(args.values['cache-dir']));
  const record = lookupRun(registry, args.positionals[0] ?? 'LAST');
  io.out(
    args.values.json
      ? `${JSON.stringify({ ...record, status: effectiveStatus(record) }, null, 2)}\n`
      : formatRunDetails(record),
  );
  return EXIT.ok;
}
