// Steps several commands share: load and validate a pipeline file, open the cache, pick the backend name.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPipeline } from '../spec/load.ts';
import { formatProblems } from '../spec/format.ts';
import type { PipelineSpec } from '../spec/types.ts';
import { CacheStore } from '../cache/store.ts';
import { resolveCacheRoot } from '../cache/store.ts';
import { describeSystemError, isPathProblem } from '../exec/system-errors.ts';
import { openRemote } from '../cache/remote/open.ts';
import type { ObjectStore } from '../cache/remote/object-store.ts';
import type { CommandIO } from './io.ts';
import { UsageError } from './io.ts';

export async function loadSpecOrReport(
  io: CommandIO,
  file: string | undefined,
  set: string[] = [],
): Promise<PipelineSpec | null> {
  if (!file) throw new UsageError('missing pipeline file');
  const result = await loadPipeline(resolve(io.cwd, file), { set, env: io.env });
  if (!result.ok) {
    io.err(formatProblems(result.problems) + '\n');
    return null;
  }
  warnAboutDataRoot(io, result.spec);
  return result.spec;
}

/** A TFPIPE_DATA that names no folder would silently turn catalog datasets into downloads: say so, naming it. */
function warnAboutDataRoot(io: CommandIO, spec: PipelineSpec): void {
  const root = io.env.TFPIPE_DATA;
  const catalog = spec.stages.filter((s) => s.kind === 'load' && typeof s.params.dataset === 'string');
  if (!root || catalog.length === 0 || existsSync(resolve(io.cwd, root))) return;
  const names = [...new Set(catalog.map((s) => String(s.params.dataset)))].join(', ');
  io.err(
    `warning: TFPIPE_DATA=${root} does not exist; ${names} will be downloaded (or taken from the cache) instead\n`,
  );
}

/** The cache at --cache-dir, else TFPIPE_CACHE, else .tfpipe/cache; one that names a file is a usage error. */
export function openCache(io: CommandIO, flag: string | undefined): CacheStore {
  const root = resolveCacheRoot({ flag, env: io.env.TFPIPE_CACHE, cwd: io.cwd });
  const from = flag ? '--cache-dir' : io.env.TFPIPE_CACHE ? 'TFPIPE_CACHE' : 'the default cache folder';
  let found;
  try {
    found = statSync(root, { throwIfNoEntry: false });
  } catch (error) {
    if (isPathProblem(error)) throw new UsageError(`${from}: ${describeSystemError(error)}`);
    throw error;
  }
  if (found && !found.isDirectory())
    throw new UsageError(`${from} names ${root}, which is not a folder; give a folder (it is created when missing)`);
  return new CacheStore(root);
}

/** The remote cache of --remote, else of the pipeline's `remote:`, else none; a bad URL is a usage error. */
export async function remoteOf(
  io: CommandIO,
  flag: string | undefined,
  spec: PipelineSpec,
): Promise<ObjectStore | undefined> {
  const opened = await openRemote({
    flag,
    pipeline: spec.remote === undefined ? undefined : { url: spec.remote, file: spec.file },
    env: io.env,
  });
  if (!opened.ok) throw new UsageError(opened.error);
  return opened.remote;
}

export const BACKENDS = ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** --backend flag, else TFPIPE_BACKEND, else the pipeline's `backend`. */
export function requestedBackend(io: CommandIO, flag: string | undefined, spec: PipelineSpec): BackendName {
  const value = flag ?? io.env.TFPIPE_BACKEND ?? spec.backend;
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new UsageError(
      `unknown backend \`${value}\`${flag ? '' : ' (from TFPIPE_BACKEND)'}; allowed: ${BACKENDS.join(', ')}`,
    );
  }
  return value as BackendName;
}
