// `tfpipe push FILE`: copies the pipeline's entries from the local cache to the remote cache by hand (a run pushes
// what it computes by itself). Each entry is verified in full first; the remote's entries are never overwritten.
import { performance } from 'node:perf_hooks';
import { pushEntry } from '../cache/remote/push.ts';
import { formatTransfer, prepareRemoteCommand, REMOTE_OPTIONS_HELP } from './remote-args.ts';
import { formatMB } from '../exec/format.ts';
import { EXIT, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe push FILE [options]

Uploads the cache entry of each stage of FILE that the local cache holds to the remote cache: its files, then
its manifest, so a reader never sees a half-pushed entry. Entries the remote already has are left as they are.

options:
${REMOTE_OPTIONS_HELP}`;

export async function pushCommand(argv: string[], io: CommandIO): Promise<number> {
  const prepared = await prepareRemoteCommand('push', argv, io);
  if (prepared === 'help') return (io.out(HELP), EXIT.ok);
  if (!prepared) return EXIT.invalid;
  const { cache, remote, stages } = prepared;
  const width = Math.max(...stages.map((p) => p.spec.id.length));
  let pushed = 0;
  let bytes = 0;
  const started = performance.now();
  for (const p of stages) {
    const found = await cache.lookup(p.fingerprint, io.signal);
    const say = (text: string) => io.out(`${p.spec.id.padEnd(width)}  ${text}\n`);
    if (found.status === 'miss') {
      say('not in the local cache');
      continue;
    }
    if (found.status === 'corrupt') {
      say(`not pushed: ${found.reason}`);
      continue;
    }
    const result = await pushEntry(remote, found, io.signal);
    if (result.status === 'present') {
      say('already on the remote');
      continue;
    }
    pushed += 1;
    bytes += result.bytes;
    say(`pushed (${formatMB(result.bytes)})`);
  }
  io.out(
    `pushed ${pushed} of ${stages.length} stages to ${remote.url}: ${formatTransfer(bytes, secondsSince(started))}\n`,
  );
  return EXIT.ok;
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}
