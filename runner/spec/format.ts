// Problems as text for the terminal, plain ASCII:
//   pipelines/lab1.yaml:7:5: unknown key `min_frq` in stage `vocab` (kind vocab)
//      7 |     min_frq: 2
//        |     ^
//     hint: did you mean `min_freq`? allowed keys: kind, description, input, min_freq
import type { SpecProblem } from './types.ts';

export function formatProblem(p: SpecProblem): string {
  const lines: string[] = [];
  const loc = p.location;
  if (!loc) {
    lines.push(p.message);
  } else {
    lines.push(`${loc.file}:${loc.line}:${loc.col}: ${p.message}`);
    const gutter = String(loc.line);
    const blank = ' '.repeat(gutter.length);
    // Keep tabs before the caret so it lines up under the same column as the text above it.
    const pad = [...loc.lineText.slice(0, Math.max(0, loc.col - 1))].map((c) => (c === '\t' ? '\t' : ' ')).join('');
    lines.push(`  ${gutter} | ${loc.lineText}`);
    lines.push(`  ${blank} | ${pad}^`);
  }
  if (p.hint) lines.push(`  hint: ${p.hint}`);
  return lines.join('\n');
}

/** Every problem, a blank line between them, then a count. */
export function formatProblems(problems: readonly SpecProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [...problems.map(formatProblem), count].join('\n\n');
}
