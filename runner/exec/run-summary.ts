// What `tfpipe run` prints when the run ends. Compact by default: each stage that ran (or failed) with its time and
// key metrics, where its outputs are, and its result lines not already shown during the run (a compare table, the
// predicted examples; not the epoch lines); the stages taken from the cache in one line. `--verbose`: every stage
// with all its metrics and result lines, cached ones included.
import { join, relative } from 'node:path';
import type { RunOutcome, StageOutcome } from './executor.ts';
import { formatMetric, formatSeconds } from './format.ts';
import { actionLabel } from '../runs/record.ts';

export interface SummaryOptions {
  verbose: boolean;
  /** Per stage, the lines the run already printed (status and log lines), not repeated in the compact form. */
  shown: ReadonlyMap<string, ReadonlySet<string>>;
  cacheRoot: string;
  cwd: string;
}

/** Timings and throughputs differ run to run and say nothing of the result; counts describe the data, not it. */
const NOT_KEY = /(^|_)seconds$|_per_s$|(^|_)(rows|count|size|tokens|words|params)$/;

/** Up to four metrics a reader looks at first: test, then perplexity, then validation, then training loss/acc. */
export function keyMetrics(metrics: Record<string, unknown>): [string, unknown][] {
  const rank = (key: string) =>
    /^test_/.test(key)
      ? 0
      : /perplexity/.test(key)
        ? 1
        : /^(best_)?valid_/.test(key)
          ? 2
          : /^train_(loss|acc)$/.test(key)
            ? 3
            : 9;
  return Object.entries(metrics)
    .filter(([k, v]) => typeof v === 'number' && !NOT_KEY.test(k) && rank(k) < 9)
    .sort(([a], [b]) => rank(a) - rank(b))
    .slice(0, 4);
}

const scalars = (metrics: Record<string, unknown>) =>
  Object.entries(metrics).filter(([, v]) => typeof v !== 'object' || v === null);
const joined = (entries: [string, unknown][]) => entries.map(([k, v]) => `${k} ${formatMetric(v)}`).join(' · ');

export function formatRunSummary(outcome: RunOutcome, options: SummaryOptions): string {
  const lines: string[] = [''];
  if (outcome.backend) lines.push(`backend: ${outcome.backend.name} (${outcome.backend.device})`);
  const plainCached = (s: StageOutcome) => s.action === 'cached' && !s.waited && !s.pulled;
  for (const s of outcome.stages) {
    if (!options.verbose && plainCached(s)) continue;
    const when = s.action === 'ran' ? `ran in ${formatSeconds(s.seconds)}` : actionLabel(s);
    lines.push(`${s.id} (${s.kind}): ${when}${s.error ? ` — ${s.error}` : ''}`);
    const metrics = options.verbose ? scalars(s.metrics) : keyMetrics(s.metrics);
    if (metrics.length > 0) lines.push(`    ${joined(metrics)}`);
    if (!options.verbose && s.action !== 'ran') continue;
    const shown = options.shown.get(s.id);
    for (const line of s.summary) if (options.verbose || !shown?.has(line)) lines.push(`    ${line}`);
    if (!options.verbose && s.action === 'ran')
      lines.push(`    outputs: ${relative(options.cwd, join(options.cacheRoot, s.fingerprint, 'out')) || '.'}`);
  }
  const cached = outcome.stages.filter(plainCached);
  if (!options.verbose && cached.length > 0)
    lines.push(`cached: ${cached.map((s) => s.id).join(', ')} (--verbose shows their metrics)`);
  const ran = outcome.stages.filter((s) => s.action === 'ran').length;
  const fromCache = outcome.stages.filter((s) => s.action === 'cached').length;
  const wouldRun = outcome.stages.filter((s) => s.action === 'would-run').length;
  const tail = wouldRun > 0 ? `${wouldRun} would run, ${fromCache} cached` : `${ran} ran, ${fromCache} cached`;
  lines.push(`${outcome.status === 'ok' ? 'done' : outcome.status}: ${tail}`, '');
  return lines.join('\n');
}
