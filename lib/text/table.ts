// The one way tfpipe lays out a text table: columns padded to their widest cell, two spaces apart, trailing blanks
// trimmed. `runs` and `diff` align every column left; the compare stage right-aligns its figures and rules off
// the header:
//   formatTable([['', 'perplexity'], ['base', '42.99'], ['LoRA', '30.29']], { right: (i) => i > 0, rule: true })
//   → ['      perplexity', '────  ──────────', 'base       42.99', 'LoRA       30.29']

export interface TableLayout {
  /** Whether column i is right-aligned (figures); default: every column left. */
  right?: (column: number) => boolean;
  /** A line of ─ under the first row (the header). */
  rule?: boolean;
}

export function formatTable(rows: readonly (readonly string[])[], layout: TableLayout = {}): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (layout.right?.(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = rows.map(line);
  if (layout.rule && lines.length > 0) lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  return lines;
}
