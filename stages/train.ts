// The `train` stage (schemas/stages/train.schema.json): the seed's LSTM classifier trained on word-level tokens.
// Input `data` is a splits-shaped tokens artifact (train/ and valid/ parts), `vocab` gives the vocab size and pad
// index. Each epoch: shuffled batches (permutation from (seed, epoch)), the optimizer step (sgd/adam/adamw with
// torch's semantics, optional clip_grad_norm), then the valid loss and accuracy. Cross-entropy for output_dim ≥ 2,
// BCE-with-logits for 1. Outputs: the model artifact (stages/classifier/model-artifact.ts) plus history.csv and
// metrics.json. A checkpoint at every epoch end in ctx.checkpointDir (keyed without `epochs`): an interrupted run
// resumes at its next epoch; raising `epochs` continues a finished run (models/train/loop.ts).
import type { Stage } from './stage.ts';
import type { TrainParams } from './classifier/train-params.ts';

export type { TrainParams } from './classifier/train-params.ts';

export const trainStage: Stage<TrainParams> = {
  kind: 'train',
  version: 3, // 3: the model artifact keeps its tokenizer (tokenizer.json, vocab.json); 2: clip coefficient in float32
  compute: true,
  resumeCompatible: ['epochs'],
  // The work (and TensorFlow.js) is imported only when the stage runs: fingerprinting a cached run loads this file.
  run: async (ctx, params, inputs) => (await import('./classifier/train-lstm.ts')).trainLstm(ctx, params, inputs),
};
