// The Stage fields the GPT-2 training stages (finetune, lora) share, in a light module: their descriptors spread
// it, and fingerprinting a cached run reads it without loading the training code or TensorFlow.js (the run itself
// is training-run.ts', imported when a stage runs).
import type { StageEnv } from '../stage.ts';
import { modelSourceFiles, type LmSourceParams } from './model-files.ts';
import { LM_RESUME_COMPATIBLE } from './train-params.ts';

/**
 * Compute stages (the backend is in the fingerprint), checkpoint_every kept out of the resume key, and a
 * local-folder `base`'s files hashed into the fingerprint.
 */
export const LM_TRAINING_STAGE = {
  compute: true,
  resumeCompatible: LM_RESUME_COMPATIBLE,
  files: (params: LmSourceParams, env: StageEnv) => modelSourceFiles(params, env),
} as const;
