// Hostile-input probes run the real CLI (test/cli/helpers.ts) in a temp project and check what a user sees: the
// documented exit code, a message that names where the problem is, and never a stack trace.
import type { CliResult } from '../cli/helpers.ts';
import { assertAnswer } from './helpers.ts';

/** The probe's exit code, its message, no stack trace and no "internal error" (helpers.ts' assertAnswer). */
export function assertProbe(result: CliResult, code: number, message: RegExp): void {
  assertAnswer(result, { code, messages: [message] });
}

/** A labelled CSV of `rows` rows, alternating two labels (enough that no class is rare). */
export function labelledCsv(rows = 20): string {
  return (
    [
      'text,label',
      ...Array.from(
        { length: rows },
        (_, i) => `review number ${i} was ${i % 2 ? 'good' : 'bad'},${i % 2 ? 'pos' : 'neg'}`,
      ),
    ].join('\n') + '\n'
  );
}

/** A one-stage pipeline loading `path`. */
export function loadPipeline(path: string, id = 'data'): string {
  return `stages:\n  ${id}:\n    kind: load\n    path: ${path}\n    columns: {text: text, label: label}\n`;
}
