// `tfpipe export FILE STAGE DIR`: the model STAGE made, taken from the cache, written to DIR (a new or empty folder)
// in the format its ecosystem loads (by model_type, a registry as predict and evaluate have):
//   lstm-classifier  PyTorch state_dict safetensors, config, vocabulary, tokenizer rules, README with PyTorch code
//   gpt2             a save_pretrained folder
//   gpt2-lora        a peft adapter folder, or with --merge the merged save_pretrained folder
// With --web, any of them as a static web page that runs the model in the browser (runner/web/export-web.ts).
// The folder is filled under a temporary name beside DIR and renamed into place: an export stopped halfway
// leaves no DIR.
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, relative, resolve } from 'node:path';
import type { ArtifactRef, StageContext } from '../../stages/stage.ts';
import type { ExportSource } from '../../stages/classifier/export-classifier.ts';
import type { ExportOptions } from '../../stages/lm/export-lm.ts';
import { LSTM_CLASSIFIER, readModelType } from '../../stages/classifier/model-type.ts';
import { parseCommandArgs, list, str } from './args.ts';
import { commandStageContext, findCachedModel, type CachedModel } from './cached-model.ts';
import { WEB_MODEL_TYPES } from '../web/model-types.ts';
import { predictDefault } from './predict-defaults.ts';
import { EXIT, UsageError, type CommandIO } from './io.ts';

const HELP = `usage: tfpipe export FILE STAGE DIR [--merge | --web] [options]

Writes the model that STAGE of the pipeline FILE made (from the cache: nothing is trained) to DIR, a new or
empty folder, in the format its ecosystem loads:
  a classifier (train)       model.safetensors (PyTorch state_dict names), config.json, vocab.json, tokenizer.json
                             (lowercasing, punctuation, stopwords, max length) and a README.md with PyTorch code
  a fine-tuned GPT-2         a save_pretrained folder: GPT2LMHeadModel.from_pretrained(DIR)
  a LoRA adapter (lora)      a peft folder: PeftModel.from_pretrained(base, DIR); a base that exists only in
                             tfpipe's cache is written to DIR/base/

With --web, DIR is a static web page instead (index.html, page.js, the weights, the tokenizer, model-card.json,
the WASM backend): open it from any static file server, offline; it runs the model in the browser on WebGPU where
there is one, else WASM. A classifier shows every class's probability as you type; a language model generates.

options:
  --merge             lora: fold the adapter into its base and write the merged save_pretrained folder
  --web               write a web page that runs the model in the browser (a LoRA adapter is merged into its base)
  --set PATH=VALUE    the --set values the model was made with (they are part of its fingerprint; repeatable)
  --backend NAME      the backend the model was made on, as for tfpipe run
  --cache-dir DIR     cache root (default: TFPIPE_CACHE, else .tfpipe/cache)
  -h, --help          this help
`;

type Exporter = (
  ctx: StageContext,
  model: ArtifactRef,
  outDir: string,
  source: ExportSource,
  options: ExportOptions,
) => Promise<string[]>;

const language = async (): Promise<Exporter> => (await import('../../stages/lm/export-lm.ts')).exportLm;

const EXPORTERS: Record<string, () => Promise<Exporter>> = {
  [LSTM_CLASSIFIER]: async () => {
    const { exportClassifier } = await import('../../stages/classifier/export-classifier.ts');
    return async (_ctx, model, outDir, source, options) => {
      if (options.merge) throw new UsageError('--merge applies to a LoRA adapter; this model is a classifier');
      return exportClassifier(model.dir, outDir, source);
    };
  },
  gpt2: language,
  'gpt2-lora': language,
};

export async function exportCommand(argv: string[], io: CommandIO): Promise<number> {
  const args = parseCommandArgs(argv, {
    merge: { type: 'boolean' },
    web: { type: 'boolean' },
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    'cache-dir': { type: 'string' },
  });
  if (args.help) return (io.out(HELP), EXIT.ok);
  const [file, stageId, dir, ...extra] = args.positionals;
  if (dir === undefined || extra.length > 0)
    throw new UsageError('tfpipe export takes a pipeline file, a stage id and a folder to write');
  const web = args.values.web === true;
  if (web && args.values.merge === true)
    throw new UsageError('--web merges a LoRA adapter into its base itself; drop --merge');
  const target = resolve(io.cwd, dir);
  await checkTarget(target, dir);

  const found = await findCachedModel(
    io,
    {
      file,
      stageId,
      sets: list(args.values.set),
      backendFlag: str(args.values.backend),
      cacheDirFlag: str(args.values['cache-dir']),
    },
    'export',
  );
  if (!found) return EXIT.invalid;
  const modelType = await readModelType(found.model.dir);
  const load = web ? webExporter(found, modelType, io) : EXPORTERS[modelType];
  if (!load)
    throw new UsageError(
      `stage \`${found.stage.id}\` made a ${modelType} model, which tfpipe cannot export${web ? ' as a web page' : ''} (it exports: ${(web ? WEB_MODEL_TYPES : Object.keys(EXPORTERS)).join(', ')})`,
    );
  const exporter = await load();
  await found.backend.init();

  const temp = resolve(dirname(target), `.${basename(target)}.tfpipe-export-${randomBytes(4).toString('hex')}`);
  await mkdir(temp);
  try {
    const source = { pipeline: relative(io.cwd, found.spec.file) || found.spec.file, stage: found.stage.id };
    const written = await exporter(commandStageContext(io, found), found.model, temp, source, {
      merge: args.values.merge === true,
      finalDir: target,
    });
    await rmdir(target).catch(() => undefined); // an empty DIR is replaced; a non-empty one was refused above
    await rename(temp, target);
    io.out(
      `exported ${found.stage.id} (${modelType}) ${web ? 'as a web page ' : ''}to ${dir}: ${written.join(', ')}\n`,
    );
    return EXIT.ok;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The --web exporter for a model type the page runs, else undefined. */
function webExporter(found: CachedModel, modelType: string, io: CommandIO): (() => Promise<Exporter>) | undefined {
  if (!(WEB_MODEL_TYPES as readonly string[]).includes(modelType)) return undefined;
  return async () => {
    const { exportWeb } = await import('../web/export-web.ts');
    const { modelCardOf } = await import('../web/model-card.ts');
    const card = await modelCardOf(found, modelType, io.cwd);
    return (ctx, model, outDir) =>
      exportWeb(ctx, model, modelType, outDir, {
        title: `${card.pipeline} · ${card.stage}`,
        card,
        maxNewTokens: predictDefault('max_new_tokens'),
      });
  };
}

/** DIR may be new or an empty folder, inside an existing folder; nothing already there is ever overwritten. */
async function checkTarget(target: string, shown: string): Promise<void> {
  const info = await stat(target).catch(() => null);
  if (info && !info.isDirectory())
    throw new UsageError(`${shown} exists and is not a folder; give a new folder to export into`);
  if (info && (await readdir(target)).length > 0)
    throw new UsageError(`${shown} is not empty; give a new or empty folder to export into`);
  const parent = await stat(dirname(target)).catch(() => null);
  if (!parent?.isDirectory()) throw new UsageError(`${shown}: the folder ${dirname(target)} does not exist`);
}
