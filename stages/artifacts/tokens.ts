// The `tokens` artifact: rows of token ids ready for a model, stored as
//   meta.json    {format: 'tfpipe-tokens/1', mode, layout, rows, width, max_length | block_size, vocab_size,
//                 pad_id, labels, label_names, ignore_index}
//   ids.i32      rows × width, row-major; positions past a row's length hold pad_id
//   lengths.i32  rows: the true length of each row (pack: always width)
//   labels.i32   labels 'class': rows, one class id per row (label_names[id] is its name);
//                labels 'position': rows × width next-token targets, ignore_index (-100) where ignored;
//                labels 'none': absent
// Tokenising a `splits` artifact gives a folder with train/ valid/ test/ tokens artifacts (a part absent when the
// split lacks it) and a meta.json {format: 'tfpipe-token-splits/1', parts}.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SPLIT_PARTS, type SplitPart } from './dataset.ts';
import type { ArtifactRef } from '../stage.ts';
import { readTyped, writeTyped } from './typed-file.ts';
import { IGNORE_INDEX } from '../../models/gpt2/batch.ts';

export type TokenMode = 'word' | 'bpe';
/** pad: one source row per row, truncated and padded to width; pack: all rows concatenated, cut into blocks. */
export type TokenLayout = 'pad' | 'pack';
export type TokenLabels = 'class' | 'position' | 'none';

export interface Tokens {
  mode: TokenMode;
  layout: TokenLayout;
  rows: number;
  /** max_length (pad) or block_size (pack). */
  width: number;
  ids: Int32Array;
  lengths: Int32Array;
  labelKind: TokenLabels;
  /** 'class': rows entries; 'position': rows × width; 'none': null. */
  labels: Int32Array | null;
  labelNames: string[];
  vocabSize: number;
  /** Id in the padded positions (word: the vocab's pad index; bpe pad: eos 50256); null when nothing is padded. */
  padId: number | null;
}

interface TokensMeta {
  format: 'tfpipe-tokens/1';
  mode: TokenMode;
  layout: TokenLayout;
  rows: number;
  width: number;
  max_length?: number;
  block_size?: number;
  vocab_size: number;
  pad_id: number | null;
  labels: TokenLabels;
  label_names: string[];
  ignore_index: number;
}

interface TokenSplitsMeta {
  format: 'tfpipe-token-splits/1';
  parts: SplitPart[];
}

export async function writeTokens(dir: string, tokens: Tokens): Promise<void> {
  checkShapes(dir, tokens);
  await mkdir(dir, { recursive: true });
  const meta: TokensMeta = {
    format: 'tfpipe-tokens/1',
    mode: tokens.mode,
    layout: tokens.layout,
    rows: tokens.rows,
    width: tokens.width,
    ...(tokens.layout === 'pack' ? { block_size: tokens.width } : { max_length: tokens.width }),
    vocab_size: tokens.vocabSize,
    pad_id: tokens.padId,
    labels: tokens.labelKind,
    label_names: tokens.labelNames,
    ignore_index: IGNORE_INDEX,
  };
  await writeTyped(join(dir, 'ids.i32'), tokens.ids);
  await writeTyped(join(dir, 'lengths.i32'), tokens.lengths);
  if (tokens.labels) await writeTyped(join(dir, 'labels.i32'), tokens.labels);
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

export async function readTokens(dir: string): Promise<Tokens> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as TokensMeta | TokenSplitsMeta;
  if (meta.format === 'tfpipe-token-splits/1') {
    throw new Error(`${dir}: holds token splits (${meta.parts.join(', ')}); read a part with readTokenParts`);
  }
  if (meta.format !== 'tfpipe-tokens/1')
    throw new Error(`${dir}: not a tfpipe tokens artifact (format ${String((meta as { format: unknown }).format)})`);
  const tokens: Tokens = {
    mode: meta.mode,
    layout: meta.layout,
    rows: meta.rows,
    width: meta.width,
    ids: await readTyped(join(dir, 'ids.i32'), Int32Array),
    lengths: await readTyped(join(dir, 'lengths.i32'), Int32Array),
    labelKind: meta.labels,
    labels: meta.labels === 'none' ? null : await readTyped(join(dir, 'labels.i32'), Int32Array),
    labelNames: meta.label_names,
    vocabSize: meta.vocab_size,
    padId: meta.pad_id,
  };
  checkShapes(dir, tokens);
  return tokens;
}

export async function writeTokenSplitsIndex(dir: string, parts: readonly SplitPart[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const meta: TokenSplitsMeta = { format: 'tfpipe-token-splits/1', parts: [...parts] };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

/** The parts of a token-splits folder, or null when `dir` is a single tokens artifact. */
export async function listTokenParts(dir: string): Promise<SplitPart[] | null> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { format: string; parts?: SplitPart[] };
  return meta.format === 'tfpipe-token-splits/1' ? (meta.parts ?? []) : null;
}

/** Every part of a token-splits folder; a single tokens artifact comes back as { whole }. */
export async function readTokenParts(dir: string): Promise<Partial<Record<SplitPart | 'whole', Tokens>>> {
  const parts = await listTokenParts(dir);
  if (parts === null) return { whole: await readTokens(dir) };
  const out: Partial<Record<SplitPart, Tokens>> = {};
  for (const part of parts) out[part] = await readTokens(join(dir, part));
  return out;
}

function checkShapes(dir: string, t: Tokens): void {
  const cells = t.rows * t.width;
  const labelSize = t.labelKind === 'class' ? t.rows : t.labelKind === 'position' ? cells : 0;
  const problems = [
    t.ids.length !== cells && `ids has ${t.ids.length} entries, expected rows × width = ${cells}`,
    t.lengths.length !== t.rows && `lengths has ${t.lengths.length} entries, expected ${t.rows}`,
    (t.labels?.length ?? 0) !== labelSize &&
      `labels (${t.labelKind}) has ${t.labels?.length ?? 0} entries, expected ${labelSize}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new Error(`${dir}: ${problems.join('; ')}`);
}

/**
 * The tokens an evaluation reads: `part` of a splits-shaped tokens input, or the single part given (its output
 * name, e.g. `tokenize.test`, says which part it is; otherwise `part` names the figures).
 */
export async function readEvaluationPart(
  stageId: string,
  part: SplitPart,
  data: ArtifactRef | undefined,
): Promise<{ tokens: Tokens; part: SplitPart }> {
  if (!data) throw new Error(`stage ${stageId}: no \`data\` input; name a tokenize stage (e.g. tokenize.test)`);
  const parts = await listTokenParts(data.dir);
  if (parts === null) {
    const named = (SPLIT_PARTS as readonly string[]).includes(data.output) ? (data.output as SplitPart) : part;
    return { tokens: await readTokens(data.dir), part: named };
  }
  if (!parts.includes(part))
    throw new Error(
      `stage ${stageId}: input ${data.stage}.${data.output} has no ${part} part (it has ${parts.join(', ') || 'none'}); set \`part\``,
    );
  return { tokens: await readTokens(join(data.dir, part)), part };
}
