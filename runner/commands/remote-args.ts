// What `tfpipe push` and `tfpipe pull` share: the pipeline, the local cache, the remote cache (required), each
// chosen stage's fingerprint, and how a transfer is summed up.
import { computeFingerprints, type StageFingerprint } from '../exec/fingerprints.ts';
import { backendChoice } from '../exec/backend.ts';
import type { CacheStore } from '../cache/store.ts';
import type { ObjectStore } from '../cache/remote/object-store.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { loadSpecOrReport, openCache, remoteOf, requestedBackend } from './common.ts';
import { UsageError, type CommandIO } from './io.ts';
import { formatMB } from '../exec/format.ts';

export const REMOTE_OPTIONS_HELP = `  --only STAGE        just STAGE (repeatable); default: every stage of the file
  --set PATH=VALUE    override a value of the file, as for tfpipe run (the fingerprints follow it)
  --backend NAME      the backend compute stages' fingerprints name, as for tfpipe run
  --cache-dir DIR     local cache root (default: TFPIPE_CACHE, else .tfpipe/cache)
  --remote URL        s3://bucket/prefix (default: the file's remote); a server other than AWS is named by
                      AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, credentials come from the standard AWS chain
`;

export interface RemoteCommand {
  cache: CacheStore;
  remote: ObjectStore;
  /** The chosen stages in file order. */
  stages: StageFingerprint[];
  /** True when --only named them. */
  only: boolean;
}

/** undefined when the pipeline is invalid (already reported); help is printed by the caller. */
export async function prepareRemoteCommand(
  name: 'push' | 'pull',
  argv: string[],
  io: CommandIO,
): Promise<RemoteCommand | 'help' | undefined> {
  const args = parseCommandArgs(argv, {
    only: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
    remote: { type: 'string' },
  });
  if (args.help) return 'help';
  if (args.positionals.length !== 1) throw new UsageError(`tfpipe ${name} takes one pipeline file`);
  const spec = await loadSpecOrReport(io, args.positionals[0], list(args.values.set));
  if (!spec) return undefined;
  const only = list(args.values.only);
  const unknown = only.filter((id) => !spec.stages.some((s) => s.id === id));
  if (unknown.length > 0) throw new UsageError(`--only names unknown stage ${unknown.join(', ')}`);
  const remote = await remoteOf(io, str(args.values.remote), spec);
  if (!remote)
    throw new UsageError(`no remote cache: give --remote s3://bucket/prefix, or set \`remote:\` in ${spec.file}`);
  const cache = openCache(io, str(args.values['cache-dir']));
  const backend = await backendChoice(requestedBackend(io, str(args.values.backend), spec), {
    cacheRoot: cache.root,
    env: io.env,
  });
  const prints = await computeFingerprints(spec, { backend: backend.name, env: io.env, cacheRoot: cache.root });
  const chosen = spec.stages.filter((s) => only.length === 0 || only.includes(s.id));
  return { cache, remote, stages: chosen.map((s) => prints.get(s.id)!), only: only.length > 0 };
}

/** '3.14 MB in 0.42 s, 7.5 MB/s'. */
export function formatTransfer(bytes: number, seconds: number): string {
  const rate = seconds > 0 ? `, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s` : '';
  return `${formatMB(bytes)} in ${seconds.toFixed(2)} s${rate}`;
}
