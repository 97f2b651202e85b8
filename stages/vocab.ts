// The `vocab` stage: a word-level vocabulary from the train rows only (schemas/stages/vocab.schema.json).
// lowercase → strip string.punctuation → split on whitespace → drop NLTK's English stopwords → keep words seen at
// least min_freq times, in first-occurrence order, after <pad> and <unk> (see text/word-vocab.ts).
import { readDataset } from './artifacts/dataset.ts';
import { writeVocab } from './artifacts/vocab.ts';
import type { ArtifactRef, Stage, StageContext, StageResult } from './stage.ts';
import { listDatasetParts } from './text/input-parts.ts';
import type { StopwordListName, WordNormalization } from './text/normalize.ts';
import { loadStopwords } from './text/stopwords.ts';
import { chooseVocab, countWords, type ChosenVocab } from './text/word-vocab.ts';

/** The schema fills in every default (ajv); max_size has none (absent: no limit). */
export interface VocabParams {
  min_freq: number;
  max_size?: number;
  pad_token: string;
  pad_index: 0 | 1;
  unk_token: string;
  unk_index: 0 | 1;
  lowercase: boolean;
  strip_punctuation: boolean;
  stopwords: StopwordListName;
}

const REPORT_EVERY = 1000;

export const vocabStage: Stage<VocabParams> = {
  kind: 'vocab',
  version: 1,
  compute: false,
  async run(ctx, params, inputs) {
    const settings = resolveVocabParams(ctx.stageId, params);
    const texts = await readTrainTexts(ctx, inputs.input);
    const stopwords = await loadStopwords(settings.normalization.stopwords);

    ctx.progress.start(texts.length, 'rows', 'counting words');
    const counted = countWords(texts, settings.normalization, stopwords, (row) => reportRow(ctx, row));
    ctx.progress.update(texts.length);

    const specials: [string, string] =
      settings.padIndex === 0 ? [settings.padToken, settings.unkToken] : [settings.unkToken, settings.padToken];
    const chosen = chooseVocab(
      counted,
      { minFreq: settings.minFreq, maxSize: settings.maxSize, specials },
      settings.unkIndex,
    );
    if (chosen.clashes.length > 0) {
      ctx.log.warn(`words equal to a special token were left out of the vocab: ${chosen.clashes.join(', ')}`);
    }
    await writeVocab(ctx.outDir, {
      tokens: chosen.tokens,
      counts: chosen.counts,
      padToken: settings.padToken,
      padIndex: settings.padIndex,
      unkToken: settings.unkToken,
      unkIndex: settings.unkIndex,
      minFreq: settings.minFreq,
      maxSize: settings.maxSize,
      normalization: settings.normalization,
    });
    return summarise(texts.length, counted.words.length, counted.total, chosen, settings.unkIndex);
  },
};

interface VocabSettings {
  minFreq: number;
  maxSize: number | null;
  padToken: string;
  padIndex: 0 | 1;
  unkToken: string;
  unkIndex: 0 | 1;
  normalization: WordNormalization;
}

/** Params (the schema's defaults filled in) as settings; throws on combinations the schema cannot express. */
export function resolveVocabParams(stageId: string, params: VocabParams): VocabSettings {
  const settings: VocabSettings = {
    minFreq: params.min_freq,
    maxSize: params.max_size ?? null,
    padToken: params.pad_token,
    padIndex: params.pad_index,
    unkToken: params.unk_token,
    unkIndex: params.unk_index,
    normalization: {
      lowercase: params.lowercase,
      stripPunctuation: params.strip_punctuation,
      stopwords: params.stopwords,
    },
  };
  if (settings.padIndex === settings.unkIndex) {
    throw new Error(
      `stage ${stageId}: pad_index and unk_index are both ${settings.padIndex}; they must be 0 and 1 in some order`,
    );
  }
  if (settings.padToken === settings.unkToken) {
    throw new Error(`stage ${stageId}: pad_token and unk_token are both "${settings.padToken}"; they must differ`);
  }
  if (settings.maxSize !== null && settings.maxSize < 2) {
    throw new Error(
      `stage ${stageId}: max_size ${settings.maxSize} leaves no room for ${settings.padToken} and ${settings.unkToken}; use 2 or more`,
    );
  }
  return settings;
}

async function readTrainTexts(ctx: StageContext, input: ArtifactRef | undefined): Promise<string[]> {
  if (!input) throw new Error(`stage ${ctx.stageId}: no input; name a dataset or splits stage in \`input\``);
  const parts = await listDatasetParts(input, ctx.stageId);
  const train = input.type === 'splits' ? parts.find((p) => p.part === 'train') : parts[0];
  if (!train) {
    throw new Error(
      `stage ${ctx.stageId}: input ${input.stage}.${input.output} has no train/ part; the vocab is built from train rows only`,
    );
  }
  return (await readDataset(train.dir)).texts;
}

function reportRow(ctx: StageContext, row: number): void {
  if ((row + 1) % REPORT_EVERY !== 0) return;
  ctx.signal.throwIfAborted();
  ctx.progress.update(row + 1);
}

function summarise(
  rows: number,
  distinct: number,
  totalWords: number,
  chosen: ChosenVocab,
  unkIndex: number,
): StageResult {
  const unkRate = totalWords === 0 ? 0 : chosen.counts[unkIndex] / totalWords;
  return {
    metrics: {
      vocab_size: chosen.tokens.length,
      distinct_words: distinct,
      eligible_words: chosen.eligible,
      train_rows: rows,
      train_words: totalWords,
      unk_rate: Number(unkRate.toFixed(6)),
    },
    summary: [
      `vocab of ${chosen.tokens.length} tokens from ${rows} train rows (${distinct} distinct words, ` +
        `${(unkRate * 100).toFixed(2)}% of train words map to ${chosen.tokens[unkIndex]})`,
    ],
  };
}
