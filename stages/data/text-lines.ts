// Text files as rows, the way Hugging Face `datasets` reads them. Python opens the file with universal newlines,
// so "\r\n" and "\r" become "\n" first; then:
//   textBuilderRows   the generic `text` builder (sample_by="line", keep_linebreaks=False): one row per line,
//                     without its "\n"; blank lines are kept as ""; a final "\n" does not add an empty row.
//   wikitextRows      the `wikitext` builder (and so its parquet files): one row per line *with* its "\n", except
//                     that a line holding only whitespace (Python's str.strip()) becomes "".
//   wikitextRawText   the inverse for wikitext: rows back to the original wiki.*.raw bytes, where a blank line is
//                     " \n" (used to check downloaded rows against the published sha256 of the raw file).

export function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/** Lines, each with its trailing "\n" where the file had one (Python's readlines / iterating a file). */
export function splitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

export function textBuilderRows(content: string): string[] {
  return splitLinesKeepEnds(normalizeNewlines(content)).map((line) => line.replace(/\n+$/, ''));
}

// Python's str.isspace() set: what str.strip() removes.
const PY_BLANK = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function wikitextRows(content: string): string[] {
  return splitLinesKeepEnds(normalizeNewlines(content)).map((line) => (PY_BLANK.test(line) ? '' : line));
}

export function wikitextRawText(rows: readonly string[]): string {
  return rows.map((row) => (row === '' ? ' \n' : row)).join('');
}
