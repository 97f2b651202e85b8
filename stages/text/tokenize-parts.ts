// The tokenize stage's work (stages/tokenize.ts is its descriptor): each part of the input read, encoded with the
// vocab's word ids or GPT-2's BPE (gpt-tokenizer's r50k tables took 0.7 s to import here, so this module is
// imported only when the stage runs), and written as tokens.
import { join } from 'node:path';
import { readDataset, type Dataset, type SplitPart } from '../artifacts/dataset.ts';
import { writeTokenSplitsIndex, writeTokens, type Tokens } from '../artifacts/tokens.ts';
import { readVocab, type Vocab } from '../artifacts/vocab.ts';
import type { ArtifactRef, StageContext, StageResult } from '../stage.ts';
import { encodeBpeRows, GPT2_EOS_ID, GPT2_VOCAB_SIZE, packBlocks, padBpeRows } from './bpe.ts';
import { listDatasetParts } from './input-parts.ts';
import { loadStopwords } from './stopwords.ts';
import { encodeWordRows } from './word-ids.ts';
import type { TokenizeParams } from './tokenize-params.ts';

const REPORT_EVERY = 1000;

type Metrics = NonNullable<StageResult['metrics']>;

/** One part's tokens with the figures worth reporting. */
interface Encoded {
  tokens: Tokens;
  metrics: Metrics;
}

type Encoder = (ctx: StageContext, data: Dataset, label: string) => Encoded;

export async function tokenizeParts(
  ctx: StageContext,
  params: TokenizeParams,
  inputs: Record<string, ArtifactRef>,
): Promise<StageResult> {
  if (!inputs.input) throw new Error(`stage ${ctx.stageId}: no input; name a dataset or splits stage in \`input\``);
  const parts = await listDatasetParts(inputs.input, ctx.stageId);
  const encoder = await createEncoder(ctx, params, inputs.vocab?.dir);

  const metrics: Metrics = {};
  const summary: string[] = [];
  for (const { part, dir } of parts) {
    const data = await readDataset(dir);
    const label = part ?? 'rows';
    const encoded = encoder(ctx, data, label);
    await writeTokens(part === null ? ctx.outDir : join(ctx.outDir, part), encoded.tokens);
    for (const [key, value] of Object.entries(encoded.metrics)) metrics[part === null ? key : `${part}_${key}`] = value;
    summary.push(`${part ?? 'tokens'}: ${encoded.tokens.rows} rows × ${encoded.tokens.width}`);
  }
  const splitParts = parts.map((p) => p.part).filter((p): p is SplitPart => p !== null);
  if (splitParts.length > 0) await writeTokenSplitsIndex(ctx.outDir, splitParts);
  return { metrics, summary };
}

async function createEncoder(
  ctx: StageContext,
  params: TokenizeParams,
  vocabDir: string | undefined,
): Promise<Encoder> {
  const where = `stage ${ctx.stageId}`;
  switch (params.mode) {
    case 'word': {
      if (vocabDir === undefined) throw new Error(`${where}: mode word needs a \`vocab\` input (a vocab stage)`);
      if (params.max_length === undefined) throw new Error(`${where}: mode word needs max_length (words kept per row)`);
      if (params.layout === 'pack')
        throw new Error(`${where}: layout pack is for mode bpe; word rows are always padded`);
      const vocab = await readVocab(vocabDir);
      const stopwords = await loadStopwords(vocab.normalization.stopwords);
      const maxLength = params.max_length;
      return (c, data, label) => encodeWordPart(c, data, label, vocab, stopwords, maxLength);
    }
    case 'bpe': {
      if (vocabDir !== undefined)
        throw new Error(`${where}: mode bpe uses GPT-2's own vocabulary; remove the \`vocab\` input`);
      // The schema fills in layout pack for mode bpe.
      if (params.layout === 'pad') {
        // The schema fills in the bpe pad default (1024, the gpt2 tokenizer's model_max_length).
        const maxLength = params.max_length!;
        return (c, data, label) => encodeBpePadded(c, data, label, maxLength, params.keep_empty);
      }
      if (params.max_length !== undefined)
        throw new Error(`${where}: layout pack cuts blocks of block_size; max_length is for layout pad`);
      if (params.keep_empty)
        throw new Error(`${where}: keep_empty is for layout pad; packed blocks have no empty rows`);
      const blockSize = params.block_size;
      return (c, data, label) => encodeBpePacked(c, data, label, blockSize);
    }
    default:
      throw new Error(`${where}: mode must be word or bpe, not ${String((params as { mode: unknown }).mode)}`);
  }
}

function encodeWordPart(
  ctx: StageContext,
  data: Dataset,
  label: string,
  vocab: Vocab,
  stopwords: ReadonlySet<string>,
  maxLength: number,
): Encoded {
  const padded = encodeWordRows(data.texts, vocab, stopwords, maxLength, rowReporter(ctx, data.texts.length, label));
  return {
    tokens: {
      mode: 'word',
      layout: 'pad',
      rows: data.texts.length,
      width: maxLength,
      ids: padded.ids,
      lengths: padded.lengths,
      labelKind: data.labels ? 'class' : 'none',
      labels: data.labels,
      labelNames: data.labelNames,
      vocabSize: vocab.tokens.length,
      padId: vocab.padIndex,
    },
    metrics: {
      rows: data.texts.length,
      truncated_rows: padded.truncated,
      empty_rows: padded.empty,
      unk_rate: padded.tokens === 0 ? 0 : Number((padded.unknown / padded.tokens).toFixed(6)),
    },
  };
}

function encodeBpePadded(
  ctx: StageContext,
  data: Dataset,
  label: string,
  maxLength: number,
  keepEmpty: boolean,
): Encoded {
  const { rows, skipped } = encodeBpeRows(data.texts, rowReporter(ctx, data.texts.length, label), { keepEmpty });
  const padded = padBpeRows(rows, maxLength, GPT2_EOS_ID);
  return {
    tokens: {
      mode: 'bpe',
      layout: 'pad',
      rows: rows.length,
      width: maxLength,
      ids: padded.ids,
      lengths: padded.lengths,
      labelKind: 'position',
      labels: padded.labels,
      labelNames: [],
      vocabSize: GPT2_VOCAB_SIZE,
      padId: GPT2_EOS_ID,
    },
    metrics: {
      rows: rows.length,
      skipped_rows: skipped,
      empty_rows: keepEmpty ? rows.filter((r) => r.length === 0).length : 0,
      truncated_rows: padded.truncated,
    },
  };
}

function encodeBpePacked(ctx: StageContext, data: Dataset, label: string, blockSize: number): Encoded {
  const { rows, skipped } = encodeBpeRows(data.texts, rowReporter(ctx, data.texts.length, label));
  const packed = packBlocks(rows, blockSize);
  if (packed.blocks === 0) {
    ctx.log.warn(`${label}: ${packed.total} tokens make no whole block of ${blockSize}; the part is empty`);
  }
  return {
    tokens: {
      mode: 'bpe',
      layout: 'pack',
      rows: packed.blocks,
      width: blockSize,
      ids: packed.ids,
      lengths: new Int32Array(packed.blocks).fill(blockSize),
      labelKind: 'position',
      labels: packed.ids.slice(),
      labelNames: [],
      vocabSize: GPT2_VOCAB_SIZE,
      padId: null,
    },
    metrics: { rows: packed.blocks, skipped_rows: skipped, tokens: packed.total, dropped_tokens: packed.dropped },
  };
}

/** Progress over one part's rows; checks for cancellation as it goes. */
function rowReporter(ctx: StageContext, total: number, label: string): (row: number) => void {
  ctx.progress.start(total, 'rows', `tokenizing ${label}`);
  return (row) => {
    if ((row + 1) % REPORT_EVERY !== 0 && row + 1 !== total) return;
    ctx.signal.throwIfAborted();
    ctx.progress.update(row + 1);
  };
}
