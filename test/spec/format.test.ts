// The terminal form of a problem: file:line:col, the line under a number gutter, a caret, the hint.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem, formatProblems } from '../../runner/spec/format.ts';
import { loadPipeline } from '../../runner/spec/load.ts';
import { REPO_ROOT } from '../helpers/context.ts';

describe('formatProblem', () => {
  it('shows the place, the line with a caret under the column, and the hint', () => {
    const text = formatProblem({
      code: 'unknown-key',
      message: 'unknown key `min_frq` in stage `vocab` (kind vocab)',
      location: { file: 'lab1.yaml', line: 12, col: 5, lineText: '    min_frq: 2' },
      hint: 'did you mean `min_freq`?',
    });
    assert.equal(
      text,
      [
        'lab1.yaml:12:5: unknown key `min_frq` in stage `vocab` (kind vocab)',
        '  12 |     min_frq: 2',
        '     |     ^',
        '  hint: did you mean `min_freq`?',
      ].join('\n'),
    );
  });

  it('keeps tabs before the caret so it lines up, and prints a problem without location as its message', () => {
    const text = formatProblem({
      code: 'yaml-syntax',
      message: 'tabs',
      location: { file: 'x.yaml', line: 3, col: 3, lineText: '\t\tb: 1' },
    });
    assert.equal(text, 'x.yaml:3:3: tabs\n  3 | \t\tb: 1\n    | \t\t^');
    assert.equal(
      formatProblem({ code: 'file-not-found', message: 'cannot read pipeline file x.yaml: no such file' }),
      'cannot read pipeline file x.yaml: no such file',
    );
  });

  it('formats a whole report as plain ASCII with a count', async () => {
    const result = await loadPipeline(join(REPO_ROOT, 'test/fixtures/specs/invalid/bad-enum.yaml'));
    assert.ok(!result.ok);
    const text = formatProblems(result.problems);
    assert.match(
      text,
      /bad-enum\.yaml:10:13: `method` must be one of random, sklearn, ordered; got string "randm"\n  10 \|     method: randm\n     \|             \^\n  hint: did you mean `random`\?/,
    );
    assert.ok(text.endsWith('\n\n2 problems'));
    assert.match(text, /^[\x00-\x7f]*$/);
  });
});
