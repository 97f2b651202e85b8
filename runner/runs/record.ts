// The run record: what one `tfpipe run` did, kept as <runsRoot>/<id>.json so that `tfpipe runs`, `show`, `diff`
// and `report` can look back at it after the cache has moved on.
//   {format, id, name?, pipeline: {file, name}, config (resolved: extends, vars, --set, defaults), set: ['k=v'],
//    sweep?: {id, index, total, assignments}, git?: {commit, dirty}, started, finished?, seconds?, tfpipe, status, exitCode?,
//    backend: {requested, name, device?}, executor?: {name, settings?}, cacheRoot, host, pid, error?,
//    stages: [{id, kind, fingerprint, action, waited?, pulled?, seconds, backend?, device?, metrics, summary, error?,
//              tree?, job?: {id, state, node?, log, submitted, started?, finished?, exitCode?}}]}
// A record is written when the run starts (status 'running'), rewritten as each stage finishes, and once more when
// the run ends, so a run killed outright (SIGKILL, power cut) still leaves a record listing the stages that finished,
// which readers show as interrupted once its pid is gone.
import { randomBytes } from 'node:crypto';
import type { FingerprintTree } from '../cache/fingerprint-tree.ts';
import type { StageOutcomeAction } from '../exec/executor.ts';
import type { ExecutorRecord, StageJobRecord } from '../exec/stage-executor.ts';
import type { GitState } from './git.ts';

export const RUN_FORMAT = 'tfpipe-run/1';

export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted';

export interface RunStageRecord {
  id: string;
  kind: string;
  fingerprint: string;
  action: StageOutcomeAction;
  /** action 'cached' only: another run wrote the entry while this one waited for its lock. */
  waited?: boolean;
  /** action 'cached' only: this run pulled the entry from the remote cache. */
  pulled?: boolean;
  /** Wall time of this run's work on it (0 when it came from the cache). */
  seconds: number;
  /** Compute stages only: the backend in the fingerprint, and the device when the stage ran in this run. */
  backend?: string;
  device?: string;
  /** Scalar metrics the stage reported (from the run, or the cache entry's manifest when cached). */
  metrics: Record<string, unknown>;
  summary: string[];
  error?: string;
  /** The fingerprint tree (from the entry's manifest), so `diff` can say why two runs differ after a cache purge. */
  tree?: FingerprintTree;
  /** The batch job the stage ran as (executor slurm): id, final state, node, log, times. */
  job?: StageJobRecord;
}

/** Where a run of a sweep sits: `assignments` maps each swept path (as given, `stages.`-prefixed) to its value. */
export interface SweepPosition {
  id: string;
  /** 1-based. */
  index: number;
  total: number;
  assignments: Record<string, unknown>;
}

export interface RunRecord {
  format: typeof RUN_FORMAT;
  id: string;
  /** Given with `tfpipe run --name`; commands accept it where they accept a run id. */
  name?: string;
  pipeline: { file: string; name: string };
  config: Record<string, unknown>;
  set: string[];
  sweep?: SweepPosition;
  /** The commit of the git work tree holding the pipeline file, and whether it had uncommitted changes (git.ts). */
  git?: GitState;
  /** ISO times; `finished` and `seconds` are absent while running. */
  started: string;
  finished?: string;
  seconds?: number;
  tfpipe: string;
  status: RunStatus;
  exitCode?: number;
  backend: { requested: string; name: string; device?: string };
  /** Where the stages ran (absent in records made before executors: local). */
  executor?: ExecutorRecord;
  cacheRoot: string;
  host: string;
  pid: number;
  /** Why the run failed before or outside any stage (e.g. an input file missing). */
  error?: string;
  stages: RunStageRecord[];
}

/** '20261128-071502-ab12': UTC date and time, then 4 random hex digits; sorts by start second. */
export function newRunId(now: Date = new Date(), random: string = randomBytes(2).toString('hex')): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${random}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

/**
 * Why `name` cannot name a run, or undefined when it can. Names are looked up beside ids, so one that reads as a
 * position (LAST, LAST~2) or as an id prefix (digits and dashes) is refused; the characters are those a shell and a
 * file name take unquoted, as sweep labels use them (`lr=0.003`).
 */
export function runNameProblem(name: string): string | undefined {
  if (/^last(~\d*)?$/i.test(name)) return `--name \`${name}\`: LAST and LAST~N already name runs by position`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._=+-]{0,63}$/.test(name))
    return `--name \`${name}\`: use letters, digits and . _ = + -, starting with a letter or digit, at most 64 characters`;
  if (/^[\d-]+$/.test(name) || /^\d{8}-/.test(name))
    return `--name \`${name}\`: it reads as (a prefix of) a run id; start it with a letter`;
  return undefined;
}

/** Stages counted by what happened to them, for tables: {ran: 2, cached: 3, ...}. */
export function countActions(record: RunRecord): Record<StageOutcomeAction, number> {
  const counts: Record<StageOutcomeAction, number> = {
    ran: 0,
    cached: 0,
    'would-run': 0,
    failed: 0,
    interrupted: 0,
    'not-run': 0,
  };
  for (const s of record.stages) counts[s.action] += 1;
  return counts;
}

/**
 * A stage's action as tables show it: 'cached (after waiting)' for an entry another run wrote while this one waited,
 * 'cached (pulled from the remote cache)' for one this run pulled.
 */
export function actionLabel(stage: { action: StageOutcomeAction; waited?: boolean; pulled?: boolean }): string {
  if (stage.action === 'cached' && stage.pulled) return 'cached (pulled from the remote cache)';
  return stage.action === 'cached' && stage.waited ? 'cached (after waiting)' : stage.action;
}
