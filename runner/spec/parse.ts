// Step 1 of loading: one YAML file → its plain value plus the location of every node. Syntax errors, repeated
// keys, alias bombs and keys that could reach a prototype become problems with their file:line:col. Only a regular
// file is read.
import { LineCounter, parseDocument, visit, type Node } from 'yaml';
import { NotRegularFileError, readRegularFile } from '../../lib/fs/regular-file.ts';
import { forbiddenKeyProblems } from './forbidden-keys.ts';
import { collectLocations, makeLocator, pointerSegments, type LocationMap } from './locations.ts';
import type { SpecProblem } from './types.ts';

/** A config value with the locations of its nodes (see locations.ts). */
export interface Located {
  value: unknown;
  locs: LocationMap;
}

export interface ParsedFile extends Located {
  /** Problems found while parsing; `fatal` when the value cannot be trusted (syntax errors, unreadable file). */
  problems: SpecProblem[];
  fatal: boolean;
}

/** Reads and parses `absPath`; locations name it `displayPath` (the path as the user wrote it). */
export async function parseSpecFile(displayPath: string, absPath: string): Promise<ParsedFile> {
  let text: string;
  try {
    // Only a regular file: a FIFO would block the read forever, /dev/zero would never end.
    text = await readRegularFile(absPath, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing
      ? 'no such file'
      : err instanceof NotRegularFileError
        ? `it is ${err.found}, not a regular file`
        : (err as Error).message;
    const code = missing ? 'file-not-found' : 'file-unreadable';
    return {
      value: undefined,
      locs: new Map(),
      fatal: true,
      problems: [{ code, message: `cannot read pipeline file ${displayPath}: ${reason}` }],
    };
  }
  return parseSpecText(displayPath, text);
}

export function parseSpecText(displayPath: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  // uniqueKeys off: repeated keys are found below, where both places are known. merge: `<<: *anchor` works.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const lines = text.split(/\r?\n/);
  const at = makeLocator(displayPath, lines, lineCounter);
  const problems: SpecProblem[] = doc.errors.map((err) => ({
    code: 'yaml-syntax',
    message: `YAML syntax error: ${err.message}`,
    location: at(err.pos[0]),
  }));
  const locs: LocationMap = new Map();
  const contents = doc.contents as Node | null;
  locs.set('', {
    value: contents?.range ? at(contents.range[0]) : { file: displayPath, line: 1, col: 1, lineText: lines[0] ?? '' },
  });
  collectLocations(contents, '', at, locs, (parent, key, first, again) => {
    const what = pointerSegments(parent).join('.') === 'stages' ? 'stage id' : 'key';
    problems.push({
      code: 'duplicate-key',
      message: `duplicate ${what} \`${key}\` (first at line ${first.line})`,
      location: again,
      hint:
        what === 'stage id'
          ? 'stage ids must be unique; rename one of them'
          : 'a key may appear once per mapping; the later one would win',
    });
  });
  // A `__proto__`, `constructor` or `prototype` key: refused before the value is merged or walked.
  problems.push(...forbiddenKeyProblems(locs));
  if (problems.some((p) => p.code === 'yaml-syntax' || p.code === 'forbidden-key'))
    return { value: undefined, locs, problems, fatal: true };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locs, problems, fatal: false };
  } catch (error) {
    // yaml refuses aliases that expand past the count (a "billion laughs" file): a problem in the file, not a crash
    const first = firstAlias(contents);
    const message = `YAML aliases expand too far (${(error as Error).message}; at most ${MAX_ALIAS_COUNT} alias uses)`;
    problems.push({ code: 'yaml-syntax', message, location: first?.range ? at(first.range[0]) : locs.get('')?.value });
    return { value: undefined, locs, problems, fatal: true };
  }
}

const MAX_ALIAS_COUNT = 1000;

/** The first alias node (`*name`) in document order, where an alias bomb is reported. */
function firstAlias(root: Node | null): Node | undefined {
  let found: Node | undefined;
  visit(root as Node, { Alias: (_, node) => ((found = node as Node), visit.BREAK) });
  return found;
}
