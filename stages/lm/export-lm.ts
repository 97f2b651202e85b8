// `tfpipe export` for GPT-2 model artifacts, in the layouts transformers and peft load:
//   gpt2        a save_pretrained folder: config.json (tfpipe's `format` key dropped) and model.safetensors
//   gpt2-lora   peft's adapter folder (adapter_config.json, adapter_model.safetensors). A base that is a Hub id or a
//               folder is named by base_model_name_or_path, as peft records it; a base that exists only here (a
//               random init, or another stage's model in the cache) is written beside it as base/, a
//               save_pretrained folder, and named by its absolute path.
//   --merge     (gpt2-lora) the adapter folded into its base (peft's merge_and_unload): a save_pretrained folder.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { saveGpt2 } from '../../models/gpt2/load.ts';
import { disposeGpt2Model } from '../../models/gpt2/model.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../models/lora/config.ts';
import { mergeLora } from '../../models/lora/merge.ts';
import type { ArtifactRef, StageContext } from '../stage.ts';
import { ADAPTER_FOLDER, baseNameOrPath, GPT2_LORA_MODEL, readLmArtifact, type BaseRef } from './model-artifact.ts';
import { disposeLm, loadBaseRef, loadLmModel } from './model-source.ts';
import { MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE } from '../classifier/model-artifact.ts';
import type { ExportSource } from '../classifier/export-classifier.ts';

export interface ExportOptions {
  /** lora: fold the adapter into its base. */
  merge: boolean;
  /** Where the folder being written will be, once renamed into place (paths written into it point there). */
  finalDir: string;
}

/** Where the base of an adapter goes when it has no name outside this machine's cache. */
export const EXPORTED_BASE_FOLDER = 'base';

/**
 * Writes the export into `outDir` (an empty folder that will be renamed to `options.finalDir`); returns the paths
 * written, relative to it.
 */
export async function exportLm(
  ctx: StageContext,
  model: ArtifactRef,
  outDir: string,
  source: ExportSource,
  options: ExportOptions,
): Promise<string[]> {
  const artifact = await readLmArtifact(model.dir);
  if (artifact.type !== GPT2_LORA_MODEL) {
    if (options.merge)
      throw new Error(
        `stage ${source.stage} made a full GPT-2, not a LoRA adapter: there is nothing to merge (drop --merge)`,
      );
    const config = JSON.parse(await readFile(join(model.dir, MODEL_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    delete config.format;
    await writeFile(join(outDir, MODEL_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    await copyFile(join(model.dir, MODEL_WEIGHTS_FILE), join(outDir, MODEL_WEIGHTS_FILE));
    await writeFile(join(outDir, 'README.md'), fullReadme(source, 'fine-tuned GPT-2'));
    return [MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE, 'README.md'];
  }
  if (options.merge) {
    const loaded = await loadLmModel(ctx, {}, model, { attachAdapter: true });
    try {
      mergeLora(loaded.model, loaded.lora!);
      loaded.lora = null;
      await saveGpt2(loaded.model, outDir);
    } finally {
      disposeLm(loaded);
    }
    await writeFile(
      join(outDir, 'README.md'),
      fullReadme(source, 'GPT-2 with its LoRA adapter merged into the weights'),
    );
    return [MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE, 'README.md'];
  }
  const written = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE];
  const adapterDir = join(model.dir, ADAPTER_FOLDER);
  await copyFile(join(adapterDir, ADAPTER_WEIGHTS_FILE), join(outDir, ADAPTER_WEIGHTS_FILE));
  const adapterConfig = JSON.parse(await readFile(join(adapterDir, ADAPTER_CONFIG_FILE), 'utf8')) as Record<
    string,
    unknown
  >;
  const base = await exportedBase(ctx, artifact.base, outDir, options.finalDir);
  if (base.written) written.push(...base.written.map((name) => `${EXPORTED_BASE_FOLDER}/${name}`));
  adapterConfig.base_model_name_or_path = base.nameOrPath;
  if ('hub' in artifact.base) adapterConfig.revision = artifact.base.revision;
  await writeFile(join(outDir, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfig, null, 2) + '\n');
  await writeFile(join(outDir, 'README.md'), adapterReadme(source, base.nameOrPath, base.written !== undefined));
  written.push('README.md');
  return written;
}

/** How the exported adapter names its base; a base known only to this cache is written to base/. */
async function exportedBase(
  ctx: StageContext,
  ref: BaseRef,
  outDir: string,
  finalDir: string,
): Promise<{ nameOrPath: string; written?: string[] }> {
  if ('hub' in ref || 'path' in ref) return { nameOrPath: baseNameOrPath(ref)! };
  const model = await loadBaseRef(ctx, ref);
  try {
    await saveGpt2(model, join(outDir, EXPORTED_BASE_FOLDER));
  } finally {
    disposeGpt2Model(model);
  }
  return { nameOrPath: resolve(finalDir, EXPORTED_BASE_FOLDER), written: [MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE] };
}

function fullReadme(source: ExportSource, what: string): string {
  return `# ${what} (exported by tfpipe)

Made by stage \`${source.stage}\` of \`${source.pipeline}\`: a Hugging Face \`save_pretrained\` folder (\`config.json\`,
\`model.safetensors\`; the output layer is tied to \`wte\`). Its tokenizer is GPT-2's.

\`\`\`python
from transformers import GPT2LMHeadModel, GPT2TokenizerFast
model = GPT2LMHeadModel.from_pretrained("path/to/this/folder")
tokenizer = GPT2TokenizerFast.from_pretrained("gpt2")
ids = tokenizer("The model is", return_tensors="pt").input_ids
print(tokenizer.decode(model.generate(ids, max_new_tokens=20, do_sample=False)[0]))
\`\`\`

tfpipe reads it back as a \`base:\` folder of evaluate, generate, finetune or lora.
`;
}

function adapterReadme(source: ExportSource, base: string, baseWritten: boolean): string {
  return `# LoRA adapter (exported by tfpipe)

Trained by stage \`${source.stage}\` of \`${source.pipeline}\`: a peft adapter folder (\`adapter_config.json\`,
\`adapter_model.safetensors\`, peft's key names). Its base is \`${base}\`${baseWritten ? `, written here as \`${EXPORTED_BASE_FOLDER}/\` (a save_pretrained folder) because it exists nowhere else` : ''}.

\`\`\`python
from peft import PeftModel
from transformers import GPT2LMHeadModel
base = GPT2LMHeadModel.from_pretrained("${base}")
model = PeftModel.from_pretrained(base, "path/to/this/folder")
model = model.merge_and_unload()   # optional: the adapter folded into the weights
\`\`\`
`;
}
