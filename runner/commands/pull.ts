// `tfpipe pull FILE [--only STAGE]`: copies the pipeline's entries from the remote cache into the local one by hand
// (a run pulls what it misses by itself). Every file is checked against the remote manifest's sha256 before the
// entry is committed; a damaged or partial remote entry is reported, kept out of the cache, and fails the command.
import { performance } from 'node:perf_hooks';
import { pullEntry } from '../cache/remote/pull.ts';
import { formatTransfer, prepareRemoteCommand, REMOTE_OPTIONS_HELP } from './remote-args.ts';
import { formatMB } from '../exec/format.ts';
import { EXIT, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe pull FILE [options]

Downloads the cache entry of each stage of FILE that the local cache lacks and the remote cache has. Each file
is checked against its manifest (size and sha256) before the entry is used; a remote entry that does not match
is reported and left out. Exit 1 when an entry was unusable, or a stage named by --only is not on the remote.

options:
${REMOTE_OPTIONS_HELP}`;

export async function pullCommand(argv: string[], io: CommandIO): Promise<number> {
  const prepared = await prepareRemoteCommand('pull', argv, io);
  if (prepared === 'help') return (io.out(HELP), EXIT.ok);
  if (!prepared) return EXIT.invalid;
  const { cache, remote, stages, only } = prepared;
  const width = Math.max(...stages.map((p) => p.spec.id.length));
  let pulled = 0;
  let bytes = 0;
  let failed = false;
  const started = performance.now();
  for (const p of stages) {
    const say = (text: string) => io.out(`${p.spec.id.padEnd(width)}  ${text}\n`);
    if ((await cache.lookup(p.fingerprint, io.signal)).status === 'hit') {
      say('already cached');
      continue;
    }
    const result = await pullEntry(remote, cache, p.fingerprint, p.spec.id, io.signal);
    switch (result.status) {
      case 'pulled':
        pulled += 1;
        bytes += result.bytes;
        say(`pulled (${formatMB(result.bytes)})`);
        break;
      case 'local':
        say('already cached');
        break;
      case 'miss':
        failed ||= only;
        say('not on the remote');
        break;
      case 'unusable':
        failed = true;
        say('unusable on the remote; not pulled');
        io.err(`tfpipe: ${result.reason}\n`);
        break;
      default: {
        const never: never = result;
        return never;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  io.out(`pulled ${pulled} of ${stages.length} stages from ${remote.url}: ${formatTransfer(bytes, seconds)}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}
