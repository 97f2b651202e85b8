// `tfpipe predict FILE STAGE "text" …` (or --input FILE): the model STAGE made, taken from the cache, on new texts.
// A classifier prints each text's label and the probability of every class; a language model a greedy continuation.
// The texts are tokenized as the model's training rows were: the tokenizer is kept with the model.
import { dirname, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { formatPredictionsCsv, describePredictions } from '../../stages/artifacts/predictions.ts';
import { displayPath } from '../../stages/data/read-file.ts';
import { DataError } from '../../stages/data/rows.ts';
import { describeFileType } from '../../lib/fs/regular-file.ts';
import { readRowsFromFile } from '../../stages/load.ts';
import { predictTexts } from '../../stages/predict.ts';
import { predictDefault as defaultOf } from './predict-defaults.ts';
import { writeFileAtomic } from '../../lib/fs/atomic.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { commandStageContext, findCachedModel } from './cached-model.ts';
import { CommandFailure, EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe predict FILE STAGE [TEXT ...] [options]

Runs the model that STAGE of the pipeline FILE made (from the cache: nothing is trained) on new texts. A
classifier (a train stage) prints each text's label and the probability of every class; a language model
(finetune, lora) prints a greedy continuation of each text. Texts are tokenized exactly as the model's training
rows were.

  tfpipe predict pipelines/quickstart.yaml train "A moving film, superbly acted."

options:
  --input FILE        read the texts from a file: csv or jsonl (the --column column) or text (one per line); .gz too
  --column NAME       the text column of a csv or jsonl --input (default: text)
  --out FILE          also write the predictions as CSV (text, label, prob_<class> …; or text, continuation, …)
  --json              print the predictions as JSON instead of lines
  --max-new-tokens N  language model: tokens generated after each text at most (default ${defaultOf('max_new_tokens')})
  --set PATH=VALUE    the --set values the model was made with (they are part of its fingerprint; repeatable)
  --backend NAME      the backend the model was made on, as for tfpipe run
  --cache-dir DIR     cache root (default: TFPIPE_CACHE, else .tfpipe/cache)
  -h, --help          this help
`;

export async function predictCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    input: { type: 'string' },
    column: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'max-new-tokens': { type: 'string' },
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  const [file, stageId, ...given] = args.positionals;
  const input = str(args.values.input);
  if (input !== undefined && given.length > 0)
    throw new UsageError('give the texts on the command line or with --input, not both');
  if (input === undefined && given.length === 0 && file !== undefined && stageId !== undefined)
    throw new UsageError('no texts: give them after STAGE ("text" …) or with --input FILE');
  if (str(args.values.column) !== undefined && input === undefined)
    throw new UsageError('--column names a column of --input');
  const maxNewTokens =
    positiveInteger(str(args.values['max-new-tokens']), '--max-new-tokens') ?? defaultOf('max_new_tokens');
  const out = str(args.values.out);
  if (out !== undefined) checkOutFile(resolve(io.cwd, out), '--out');

  const found = await findCachedModel(
    io,
    {
      file,
      stageId,
      sets: list(args.values.set),
      backendFlag: str(args.values.backend),
      cacheDirFlag: str(args.values['cache-dir']),
    },
    'predict',
  );
  if (!found) return EXIT.invalid;
  const texts = input !== undefined ? await readTexts(io, input, str(args.values.column)) : given;
  await found.backend.init();
  const predictions = await predictTexts(commandStageContext(io, found), found.model, texts, {
    batch_size: defaultOf('batch_size'),
    max_new_tokens: maxNewTokens,
  });
  if (out !== undefined) await writeFileAtomic(resolve(io.cwd, out), formatPredictionsCsv(predictions));
  io.out(
    args.values.json
      ? JSON.stringify(predictions, null, 2) + '\n'
      : describePredictions(predictions)
          .map((line) => line + '\n')
          .join(''),
  );
  return EXIT.ok;
}

/** The texts of --input: a text file's lines (blank ones skipped), or a csv or jsonl column. */
async function readTexts(io: CommandIO, input: string, column: string | undefined): Promise<string[]> {
  const path = resolve(io.cwd, input);
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) throw new UsageError(`--input ${input}: no such file`);
  if (!info.isFile()) throw new UsageError(`--input ${input}: it is ${describeFileType(info)}, not a regular file`);
  try {
    const rows = await readRowsFromFile(
      path,
      displayPath(path, io.cwd),
      column !== undefined ? { columns: { text: column } } : {},
    );
    const texts = rows.texts.filter((text) => text.trim() !== '');
    if (texts.length === 0) throw new UsageError(`--input ${input}: no texts in it`);
    return texts;
  } catch (error) {
    if (error instanceof DataError) throw new CommandFailure(`--input ${error.message}`);
    throw error;
  }
}

function checkOutFile(path: string, flag: string): void {
  if (!existsSync(dirname(path))) throw new UsageError(`${flag} ${path}: its folder does not exist`);
  if (existsSync(path) && !statSync(path).isFile()) throw new UsageError(`${flag} ${path}: not a file`);
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${flag} must be a whole number >= 1, not \`${value}\``);
  return Number(value);
}
