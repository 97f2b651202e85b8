// Step 6 of loading: rules on one stage's params that a JSON Schema cannot state, for the kinds that have any (one
// table), each the static half of a check the stage makes at run time, so `validate` refuses what the run would and
// nothing else. Params have their defaults here. A finding names the keys it is about and is shown at the value of
// the one written last (a --set over the file over its bases; then by line), or at the stage when all are defaults.
//   split  sizes are a fraction (< 1) or a row count (a whole number >= 1), `head` too; fractions of all rows
//          (random, ordered) sum to at most 1; sklearn: a call's test_size + train_size fractions at most 1, and
//          test or valid given (stages/data/split-indices.ts)
//   vocab  pad and unk take different ids and tokens (stages/vocab.ts)
import { isFraction, isRowCount } from '../../stages/data/split-indices.ts';
import { isPlainObject } from './extends.ts';
import { childPointer, locate, type LocationMap } from './locations.ts';
import { SET_FILE } from './set.ts';
import type { SourceLocation, SpecProblem } from './types.ts';

interface Finding {
  /** Paths of the keys involved, inside the stage (`['head', 'train']`). */
  keys: string[][];
  message: string;
  hint?: string;
}

type ParamRule = (params: Record<string, unknown>) => Finding[];

const RULES: Record<string, ParamRule> = { split: splitRule, vocab: vocabRule };

export function checkParams(config: unknown, locs: LocationMap): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isPlainObject(config) || !isPlainObject(config.stages)) return problems;
  const topFile = locs.get('')?.value.file;
  for (const [id, stage] of Object.entries(config.stages)) {
    if (!isPlainObject(stage) || typeof stage.kind !== 'string' || !Object.hasOwn(RULES, stage.kind)) continue;
    const stagePointer = childPointer('/stages', id);
    for (const finding of RULES[stage.kind](stage)) {
      const written = finding.keys
        .map((key) => locs.get(key.reduce(childPointer, stagePointer)))
        .filter((loc) => loc !== undefined)
        .map((loc) => loc.value);
      const location =
        written.reduce<SourceLocation | undefined>((a, b) => (!a || isLater(b, a, topFile) ? b : a), undefined) ??
        locate(locs, stagePointer, 'key');
      problems.push({
        code: 'bad-value',
        message: `stage \`${id}\`: ${finding.message}`,
        location,
        ...(finding.hint ? { hint: finding.hint } : {}),
      });
    }
  }
  return problems;
}

/** Applied later: a --set argument over the pipeline file over a base it extends; then further down. */
function isLater(a: SourceLocation, b: SourceLocation, topFile: string | undefined): boolean {
  const rank = (l: SourceLocation) => (l.file === SET_FILE ? 2 : l.file === topFile ? 1 : 0);
  return rank(a) - rank(b) > 0 || (rank(a) === rank(b) && (a.line - b.line || a.col - b.col) > 0);
}

const PARTS = ['test', 'valid', 'train'] as const;

function splitRule(params: Record<string, unknown>): Finding[] {
  const sizes: [string[], number][] = [];
  for (const part of PARTS) if (typeof params[part] === 'number') sizes.push([[part], params[part]]);
  const head = params.head;
  if (typeof head === 'number') sizes.push([['head'], head]);
  else if (isPlainObject(head))
    for (const part of PARTS) if (typeof head[part] === 'number') sizes.push([['head', part], head[part]]);
  const malformed = sizes
    .filter(([key, size]) => !(isFraction(size) || isRowCount(size) || (size === 0 && key[0] !== 'head')))
    .map(([key, size]): Finding => ({
      keys: [key],
      message: `\`${key.join('.')}\` must be a fraction (< 1) or a row count (a whole number >= 1), got ${size}`,
    }));
  if (malformed.length > 0) return malformed;

  const fraction = (part: string) =>
    typeof params[part] === 'number' && isFraction(params[part]) ? params[part] : undefined;
  const overOne = (parts: readonly string[], why: string, hint: string): Finding[] => {
    const given = parts.filter((p) => fraction(p) !== undefined);
    const sum = given.reduce((total, p) => total + fraction(p)!, 0);
    if (given.length < 2 || sum <= 1 + 1e-9) return [];
    const terms = given.map((p) => `\`${p}\` ${fraction(p)}`).join(' + ');
    return [{ keys: given.map((p) => [p]), message: `${terms} = ${Number(sum.toFixed(10))}: ${why}`, hint }];
  };
  if (params.method === 'random' || params.method === 'ordered') {
    return overOne(
      PARTS,
      `with method ${params.method} the fractions are of all rows, and sum above 1`,
      'lower them, or give row counts (with method sklearn, valid is a fraction of the rows left after test)',
    );
  }
  if (params.method !== 'sklearn') return []; // not a method: the schema said so
  const hasTest = typeof params.test === 'number' && params.test > 0;
  const hasValid = typeof params.valid === 'number' && params.valid > 0;
  if (!hasTest && !hasValid) {
    return [
      {
        keys: [['method']],
        message: 'method sklearn needs `test` or `valid` (the test_size of a train_test_split call)',
      },
    ];
  }
  // train is the train_size of the last call: of the rows left after test when valid is given, else of all rows.
  return hasValid
    ? overOne(
        ['valid', 'train'],
        "sklearn's train_test_split refuses a test_size + train_size above 1",
        'with method sklearn, valid and train are fractions of the rows left after test',
      )
    : overOne(
        ['test', 'train'],
        "sklearn's train_test_split refuses a test_size + train_size above 1",
        'with method sklearn and no valid, test and train are fractions of all rows',
      );
}

function vocabRule(params: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  if (typeof params.pad_index === 'number' && params.pad_index === params.unk_index) {
    findings.push({
      keys: [['pad_index'], ['unk_index']],
      message: `\`pad_index\` and \`unk_index\` are both ${String(params.pad_index)}`,
      hint: 'pad and unk take ids 0 and 1, one each',
    });
  }
  if (typeof params.pad_token === 'string' && params.pad_token === params.unk_token) {
    findings.push({
      keys: [['pad_token'], ['unk_token']],
      message: `\`pad_token\` and \`unk_token\` are both ${JSON.stringify(params.pad_token)}`,
      hint: 'the padding and unknown-word tokens must differ',
    });
  }
  return findings;
}
