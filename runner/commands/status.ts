// `tfpipe status FILE`: per stage, cached or will run — and why (which param changed from what to what, which
// upstream changed, entry missing or corrupt). Reads the cache; runs nothing.
import { computeFingerprints } from '../exec/fingerprints.ts';
import { explainStage } from '../exec/explain.ts';
import { backendChoice } from '../exec/backend.ts';
import { readLastState } from '../cache/state.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { loadSpecOrReport, openCache, requestedBackend } from './common.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe status FILE [--set PATH=VALUE ...] [--backend NAME] [--cache-dir DIR] [--json]

For each stage: cached, or will run and why — the param paths that changed (old → new), the upstream stages
that changed, a missing or corrupt cache entry. Nothing is run.
`;

export async function statusCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
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
    if (explanation.state === 'will-run') willRun.add(s.id);
    rows.push({ stage: s.id, kind: s.kind, state: explanation.state, reasons: explanation.reasons });
  }
  if (args.values.json) {
    io.out(JSON.stringify({ pipeline: spec.file, stages: rows }, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(...rows.map((r) => r.stage.length));
  for (const r of rows) {
    const head = `${r.stage.padEnd(width)}  ${r.state === 'cached' ? 'cached' : 'will run'}`;
    io.out(r.reasons.length === 0 ? `${head}\n` : `${head}: ${r.reasons.join('; ')}\n`);
  }
  io.out(`${willRun.size} of ${rows.length} stages will run\n`);
  return EXIT.ok;
}
