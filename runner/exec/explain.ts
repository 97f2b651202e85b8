// Why a stage will run: compares what its fingerprint covers now with what it covered the last time it ran
// (or came from the cache) for this pipeline file. Pure; used by `tfpipe status` and `tfpipe diff`.
import type { FingerprintTree } from '../cache/fingerprint-tree.ts';
import { diffTrees, type TreeChange } from '../cache/tree-diff.ts';

export type CacheState = { status: 'hit' } | { status: 'miss' } | { status: 'corrupt'; reason: string };

export interface Explanation {
  state: 'cached' | 'will-run';
  reasons: string[];
}

export interface ExplainInput {
  stageId: string;
  tree: FingerprintTree;
  fingerprint: string;
  cache: CacheState;
  last: { fingerprint: string; tree: FingerprintTree } | null;
  /** Input port → the upstream stage it reads. */
  upstreamOf: Record<string, string>;
}

export function explainStage(input: ExplainInput): Explanation {
  if (input.cache.status === 'hit') return { state: 'cached', reasons: [] };
  if (input.cache.status === 'corrupt')
    return { state: 'will-run', reasons: [`cache entry corrupt: ${input.cache.reason}`] };
  if (!input.last) return { state: 'will-run', reasons: ['never run'] };
  if (input.last.fingerprint === input.fingerprint)
    return { state: 'will-run', reasons: ['cache entry missing (removed since the last run)'] };
  const reasons = describeChanges(input.stageId, input.last.tree, input.tree, input.upstreamOf);
  return { state: 'will-run', reasons: reasons.length > 0 ? reasons : ['fingerprint changed'] };
}

/** Tree differences in the words a user thinks in: param paths as in the file, upstream stages by id. */
export function describeChanges(
  stageId: string,
  before: FingerprintTree,
  after: FingerprintTree,
  upstreamOf: Record<string, string>,
): string[] {
  const reasons: string[] = [];
  const upstreams = new Set<string>();
  const changes = diffTrees(before, after);
  const backendChanged = changes.some((c) => c.path === 'backend');
  for (const change of changes) {
    const [head, ...rest] = change.path.split('.');
    switch (head) {
      case 'params':
        reasons.push(`stages.${stageId}.${rest.join('.')}: ${show(change.old)} → ${show(change.new)}`);
        break;
      case 'inputs': {
        const port = rest[0];
        upstreams.add(upstreamOf[port] ?? port);
        break;
      }
      case 'files':
        reasons.push(`input file changed: ${rest.join('.')}`);
        break;
      case 'version':
        reasons.push(`stage implementation version ${show(change.old)} → ${show(change.new)}`);
        break;
      case 'backend':
        reasons.push(`backend ${show(change.old)} → ${show(change.new)}`);
        break;
      case 'seed':
        reasons.push(`pipeline seed ${show(change.old)} → ${show(change.new)}`);
        break;
      case 'runtime':
        reasons.push(...runtimeReasons(change, backendChanged));
        break;
      case 'tfpipe':
        reasons.push(`tfpipe ${show(change.old)} → ${show(change.new)}`);
        break;
      default:
        reasons.push(`${change.path}: ${show(change.old)} → ${show(change.new)}`);
    }
  }
  for (const up of upstreams) reasons.push(`upstream \`${up}\` changed`);
  return reasons;
}

/**
 * A package's version change as `runtime.tfjs-core: 4.22.0 → 4.23.0`. A tree from before versions were recorded
 * gains them all (one reason each); on a backend switch, the old backend's package leaving and the new one's
 * arriving is already said by the backend line.
 */
function runtimeReasons(change: TreeChange, backendChanged: boolean): string[] {
  const [, ...names] = change.segments;
  if (names.length === 0) {
    const versions = (change.new ?? change.old ?? {}) as Record<string, string>;
    return Object.keys(versions)
      .sort()
      .map((name) =>
        change.change === 'added'
          ? `runtime.${name}: (unset) → ${versions[name]}`
          : `runtime.${name}: ${versions[name]} → (unset)`,
      );
  }
  if (backendChanged && change.change !== 'changed') return [];
  const version = (v: unknown) => (v === undefined ? '(unset)' : String(v));
  return [`runtime.${names.join('.')}: ${version(change.old)} → ${version(change.new)}`];
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
