// `tfpipe status FILE`: per stage, cached or will run — and why (which param changed from what to what, which
// upstream changed, entry missing or corrupt). Reads the cache; runs nothing. With a remote cache, a stage missing
// here whose entry the remote has is 'cached remotely' (a run would pull it; its files are checked only then).
import type { Fingerprint } from '../../stages/stage.ts';
import { computeFingerprints } from '../exec/fingerprints.ts';
import { explainStage } from '../exec/explain.ts';
import { backendChoice } from '../exec/backend.ts';
import { readLastState } from '../cache/state.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { loadSpecOrReport, openCache, remoteOf, requestedBackend } from './common.ts';
import { manifestKey } from '../cache/remote/layout.ts';
import { describeSystemError } from '../exec/system-errors.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe status FILE [--set PATH=VALUE ...] [--backend NAME] [--cache-dir DIR] [--remote URL] [--json]

For each stage: cached, or will run and why — the param paths that changed (old → new), the upstream stages
that changed, a missing or corrupt cache entry. With a remote cache (--remote, or the file's remote), a stage
the local cache lacks but the remote has is "cached remotely": a run pulls it. Nothing is run.
`;

const STATE_LABEL: Record<string, string> = {
  cached: 'cached',
  'cached-remotely': 'cached remotely',
  'will-run': 'will run',
};

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
    remote: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  if (args.positionals.length !== 1) throw new UsageError('tfpipe status takes one pipeline file');
  const spec = await loadSpecOrReport(io, args.positionals[0], list(args.values.set));
  if (!spec) return EXIT.invalid;
  const cache = openCache(io, str(args.values['cache-dir']));
  const backend = await backendChoice(requestedBackend(io, str(args.values.backend), spec), {
    cacheRoot: cache.root,
    env: io.env,
  });
  const prints = await computeFingerprints(spec, { backend: backend.name, env: io.env, cacheRoot: cache.root });
  let remote = await remoteOf(io, str(args.values.remote), spec);
  const onRemote = async (fp: string): Promise<boolean> => {
    if (!remote) return false;
    try {
      return await remote.exists(manifestKey(fp as Fingerprint), io.signal);
    } catch (error) {
      io.err(`tfpipe: warning: ${describeSystemError(error) ?? (error as Error).message}\n`);
      remote = undefined; // said once; the rest is reported as if there were no remote
      return false;
    }
  };

  const rows: { stage: string; kind: string; state: string; reasons: string[] }[] = [];
  const willRun = new Set<string>();
  for (const s of spec.stages) {
    const p = prints.get(s.id)!;
    const found = await cache.lookup(p.fingerprint);
    const explanation = explainStage({
      stageId: s.id,
      tree: p.tree,
      fingerprint: p.fingerprint,
      cache: found.status === 'corrupt' ? { status: 'corrupt', reason: found.reason } : { status: found.status },
      last: await readLastState(cache.root, spec.file, s.id),
      upstreamOf: Object.fromEntries(Object.entries(s.inputs).map(([port, b]) => [port, b.stage])),
    });
    if (explanation.state === 'will-run' && (await onRemote(p.fingerprint))) {
      rows.push({ stage: s.id, kind: s.kind, state: 'cached-remotely', reasons: [] });
      continue;
    }
    if (explanation.state === 'will-run') willRun.add(s.id);
    rows.push({ stage: s.id, kind: s.kind, state: explanation.state, reasons: explanation.reasons });
  }
  if (args.values.json) {
    io.out(JSON.stringify({ pipeline: spec.file, stages: rows }, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(...rows.map((r) => r.stage.length));
  for (const r of rows) {
    const head = `${r.stage.padEnd(width)}  ${STATE_LABEL[r.state]}`;
    io.out(r.reasons.length === 0 ? `${head}\n` : `${head}: ${r.reasons.join('; ')}\n`);
  }
  io.out(`${willRun.size} of ${rows.length} stages will run\n`);
  return EXIT.ok;
}
