// `tfpipe diff` output: plain text (aligned columns), Markdown (--md) or JSON (--json), from the comparisons.
import { formatMetric } from '../exec/format.ts';
import { formatTable } from '../../lib/text/table.ts';
import type { ConfigChange, MetricComparison, StageCause, StageComparison } from './compare.ts';

export interface DiffReport {
  a: string;
  b: string;
  config: ConfigChange[];
  stages: StageComparison[];
  metrics: MetricComparison[];
}

export function formatDiffJson(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatDiffText(report: DiffReport): string {
  const lines = [`A: ${report.a}`, `B: ${report.b}`, ''];
  lines.push(
    report.config.length === 0 ? 'config: no differences' : `config: ${plural(report.config.length, 'difference')}`,
  );
  for (const c of report.config) lines.push(`  ${formatConfigChange(c)}`);
  lines.push('', 'stages:');
  const width = Math.max(0, ...report.stages.map((s) => s.id.length));
  for (const s of report.stages) lines.push(`  ${s.id.padEnd(width)}  ${formatStageStatus(s)}`);
  lines.push('', 'metrics:');
  if (report.metrics.length === 0) lines.push('  (none recorded or cached on either side)');
  else lines.push(...formatTable(metricRows(report.metrics)).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

export function formatDiffMarkdown(report: DiffReport): string {
  const out = [`## tfpipe diff`, '', `- **A:** ${cell(report.a)}`, `- **B:** ${cell(report.b)}`, '', '### Config', ''];
  if (report.config.length === 0) out.push('No differences.');
  else
    out.push(
      ...markdownTable(
        ['path', 'A', 'B'],
        report.config.map((c) => [`\`${c.path}\``, showValue(c.old), showValue(c.new)]),
      ),
    );
  out.push('', '### Stages', '');
  out.push(
    ...markdownTable(
      ['stage', 'kind', 'cache entry', 'first cause'],
      report.stages.map((s) => [`\`${s.id}\``, s.kind, statusWord(s), s.cause ? formatCause(s.cause) : '']),
    ),
  );
  out.push('', '### Metrics', '');
  if (report.metrics.length === 0) out.push('None recorded or cached on either side.');
  else {
    const [head, ...rows] = metricRows(report.metrics);
    out.push(...markdownTable(head, rows));
  }
  return `${out.join('\n')}\n`;
}

export function formatConfigChange(c: ConfigChange): string {
  return `${c.path}: ${showValue(c.old)} → ${showValue(c.new)}`;
}

function formatStageStatus(s: StageComparison): string {
  return s.status === 'differs' && s.cause ? `differs: ${formatCause(s.cause)}` : statusWord(s);
}

function statusWord(s: StageComparison): string {
  switch (s.status) {
    case 'shared':
      return 'shared';
    case 'differs':
      return 'differs';
    case 'only-a':
      return 'only in A';
    case 'only-b':
      return 'only in B';
  }
}

export function formatCause(cause: StageCause): string {
  switch (cause.type) {
    case 'param':
      return `param ${cause.path}: ${showValue(cause.old)} → ${showValue(cause.new)}`;
    case 'upstream':
      return `upstream \`${cause.stage}\`${cause.root ? ` (${formatCause(cause.root)})` : ''}`;
    case 'file':
      return `input file ${cause.path} changed`;
    case 'runtime':
      return `${cause.path} ${showValue(cause.old)} → ${showValue(cause.new)}`;
    case 'version':
      return `stage version ${showValue(cause.old)} → ${showValue(cause.new)}`;
    case 'kind':
    case 'backend':
    case 'seed':
    case 'tfpipe':
      return `${cause.type} ${showValue(cause.old)} → ${showValue(cause.new)}`;
    case 'unknown':
      return cause.reason;
  }
}

function metricRows(metrics: MetricComparison[]): string[][] {
  const rows = [['metric', 'A', 'B', 'change', 'relative']];
  for (const m of metrics) {
    rows.push([
      `${m.stage}.${m.metric}`,
      'a' in m ? formatMetric(m.a) : '—',
      'b' in m ? formatMetric(m.b) : '—',
      m.delta === undefined ? '—' : signed(m.delta),
      m.relative === undefined ? '—' : `${m.relative >= 0 ? '+' : ''}${(m.relative * 100).toFixed(1)}%`,
    ]);
  }
  return rows;
}

function signed(delta: number): string {
  if (delta === 0) return '0';
  const text = formatMetric(Number(delta.toPrecision(6)));
  return delta > 0 ? `+${text}` : text;
}

/** Config and cause values as JSON (`false`, `"adam"`, `[64,32]`); absent as (unset). */
export function showValue(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

export function markdownTable(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
