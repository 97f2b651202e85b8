// Stage kind → implementation. Loaded lazily, so a run whose stages all come from the cache never imports
// TensorFlow.js: fingerprinting loads each kind's descriptor (kind, version, files), and every descriptor imports
// its work from run() (test/cli/light-stages.test.ts checks status and a cached lab2-shaped run). Which kinds exist,
// and their inputs and outputs, is declared by the schemas in schemas/stages/; a test keeps this table and those
// files in step.
import type { Stage } from './stage.ts';

type AnyStage = Stage<any>;

const implementations: Record<string, () => Promise<AnyStage>> = {
  load: async () => (await import('./load.ts')).loadStage,
  split: async () => (await import('./split.ts')).splitStage,
  vocab: async () => (await import('./vocab.ts')).vocabStage,
  tokenize: async () => (await import('./tokenize.ts')).tokenizeStage,
  train: async () => (await import('./train.ts')).trainStage,
  evaluate: async () => (await import('./evaluate.ts')).evaluateStage,
  finetune: async () => (await import('./finetune.ts')).finetuneStage,
  lora: async () => (await import('./lora.ts')).loraStage,
  generate: async () => (await import('./generate.ts')).generateStage,
  predict: async () => (await import('./predict.ts')).predictStage,
  compare: async () => (await import('./compare.ts')).compareStage,
};

export function registeredKinds(): string[] {
  return Object.keys(implementations);
}

export async function loadStageKind(kind: string): Promise<AnyStage> {
  const load = implementations[kind];
  if (!load) throw new Error(`no implementation registered for stage kind \`${kind}\``);
  return load();
}
