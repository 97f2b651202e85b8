// Small formatting helpers shared by the renderers and commands.
import type { ProgressSnapshot } from './events.ts';
import { formatNumber } from '../../lib/text/number.ts';

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "[########------------]  40% 1,234/3,000 batches · 56.2 batches/s · ETA 31s · loss 0.41" */
export function formatProgress(p: ProgressSnapshot, width = 20): string {
  if (p.unit === 'bytes') {
    // 14.7/25.4 MB · 17.1 MB/s reads better than byte counts
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    return formatProgress({ ...p, done: mb(p.done), total: mb(p.total), rate: p.rate / 1e6, unit: 'MB' }, width);
  }
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const parts = [
    `${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatNumber(p.done)}/${formatNumber(p.total)} ${p.unit}`.trimEnd(),
  ];
  if (p.rate > 0) parts.push(`${formatRate(p.rate)} ${p.unit}/s`.trimEnd());
  // the stage's ETA where the stage gave one (training: all epochs left), else this bar's
  if (p.stageEtaSeconds !== undefined) parts.push(`stage ETA ${formatSeconds(p.stageEtaSeconds)}`);
  else if (p.etaSeconds !== null && p.done < p.total) parts.push(`ETA ${formatSeconds(p.etaSeconds)}`);
  if (p.extra) parts.push(p.extra);
  return (p.label ? `${p.label} ` : '') + parts.join(' · ');
}

function formatRate(rate: number): string {
  return rate >= 100 ? formatNumber(Math.round(rate)) : rate.toFixed(rate >= 10 ? 1 : 2);
}

/** A metric as the terminal shows it: numbers through formatNumber, anything else as its text. */
export function formatMetric(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** How a cached stage is shown: pulled from the remote, taken after waiting for another run, or plainly cached. */
export function cachedLabel(event: { waited?: boolean; pulled?: boolean }): string {
  return event.pulled ? 'cached (pulled from the remote cache)' : event.waited ? 'cached (after waiting)' : 'cached';
}

/** '3.14 MB' (decimal megabytes, as transfer rates are given). */
export function formatMB(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb.toFixed(mb < 10 ? 2 : 1)} MB`;
}

/** 'job 1234 running on node7', 'job 1234 pending': a batch job's state as the live view shows it. */
export function formatJob(event: { job: string; state: string; node?: string }): string {
  const state = event.state.toLowerCase().replaceAll('_', ' ');
  return `job ${event.job} ${state}${event.node && state === 'running' ? ` on ${event.node}` : ''}`;
}
