// `tfpipe diff` output: plain text (aligned columns), Markdown (--md) or JSON (--json), from the comparisons. What
// changed leads: the config paths, then the changed metrics (evaluation first, data counts last), then the stages.
// Equal metrics are one line ("37 equal metrics hidden; --all shows them") unless `all`; JSON keeps every metric,
// each marked `changed` and with its `group`.
import { formatMetric } from '../exec/format.ts';
import { formatTable } from '../../lib/text/table.ts';
import type { ConfigChange, DiffReport, StageCause, StageComparison } from './compare.ts';
import type { OrderedMetric } from './metric-order.ts';

export type { DiffReport } from './compare.ts';

export interface DiffView {
  /** Show the equal metrics too (--all). */
  all?: boolean;
}

export function formatDiffJson(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatDiffText(report: DiffReport, view: DiffView = {}): string {
  const lines = [`A: ${report.a}`, `B: ${report.b}`, ''];
  lines.push(
    report.config.length === 0 ? 'config: no differences' : `config: ${plural(report.config.length, 'difference')}`,
  );
  for (const c of report.config) lines.push(`  ${formatConfigChange(c)}`);
  lines.push('');
  if (report.metrics.length === 0) lines.push('metrics:', '  (none recorded or cached on either side)');
  else {
    const { shown, hidden } = visibleMetrics(report.metrics, view);
    lines.push(`metrics: ${metricCounts(report.metrics)}`);
    if (shown.length > 0) lines.push(...formatTable(metricRows(shown)).map((l) => `  ${l}`));
    if (hidden > 0) lines.push(`  ${hiddenLine(hidden)}`);
  }
  lines.push('', 'stages:');
  const width = Math.max(0, ...report.stages.map((s) => s.id.length));
  for (const s of report.stages) lines.push(`  ${s.id.padEnd(width)}  ${formatStageStatus(s)}`);
  return `${lines.join('\n')}\n`;
}

export function formatDiffMarkdown(report: DiffReport, view: DiffView = {}): string {
  const out = [`## tfpipe diff`, '', `- **A:** ${cell(report.a)}`, `- **B:** ${cell(report.b)}`, '', '### Config', ''];
  if (report.config.length === 0) out.push('No differences.');
  else
    out.push(
      ...markdownTable(
        ['path', 'A', 'B'],
        report.config.map((c) => [`\`${c.path}\``, showValue(c.old), showValue(c.new)]),
      ),
    );
  out.push('', '### Metrics', '');
  if (report.metrics.length === 0) out.push('None recorded or cached on either side.');
  else {
    const { shown, hidden } = visibleMetrics(report.metrics, view);
    out.push(`${metricCounts(report.metrics)}.`, '');
    if (shown.length > 0) {
      const [head, ...rows] = metricRows(shown);
      out.push(...markdownTable(head, rows));
    }
    if (hidden > 0) out.push(...(shown.length > 0 ? [''] : []), `_${hiddenLine(hidden)}_`);
  }
  out.push('', '### Stages', '');
  out.push(
    ...markdownTable(
      ['stage', 'kind', 'cache entry', 'first cause'],
      report.stages.map((s) => [`\`${s.id}\``, s.kind, statusWord(s), s.cause ? formatCause(s.cause) : '']),
    ),
  );
  return `${out.join('\n')}\n`;
}

/** The rows to print (all, or the changed ones) and how many equal ones are left out. */
function visibleMetrics(metrics: readonly OrderedMetric[], view: DiffView): { shown: OrderedMetric[]; hidden: number } {
  const shown = view.all ? [...metrics] : metrics.filter((m) => m.changed);
  return { shown, hidden: metrics.length - shown.length };
}

/** '6 changed, 35 equal'. */
function metricCounts(metrics: readonly OrderedMetric[]): string {
  const changed = metrics.filter((m) => m.changed).length;
  return `${changed === 0 ? 'none' : changed} changed, ${metrics.length - changed} equal`;
}

export function hiddenLine(hidden: number): string {
  return `${hidden} equal metric${hidden === 1 ? '' : 's'} hidden; --all shows them`;
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

function metricRows(metrics: readonly OrderedMetric[]): string[][] {
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
