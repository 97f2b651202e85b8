// The local executor: each stage runs in this process, one after another. TensorFlow.js starts on the chosen backend
// before the first compute stage that actually runs (a fully cached run never loads it).
import type { StageExecutor } from './stage-executor.ts';
import { runStageWork } from './run-stage.ts';

export function localExecutor(): StageExecutor {
  let backendReady = false;
  return {
    parallel: false,
    async run(p, inputs, ctx) {
      if (p.stage.compute && !backendReady) {
        const status = (text: string) => ctx.listener({ type: 'stage-status', id: p.spec.id, text });
        ctx.listener({ type: 'backend', ...(await ctx.backend.init(status)) });
        backendReady = true;
      }
      return runStageWork(p, inputs, {
        cache: ctx.cache,
        listener: ctx.listener,
        signal: ctx.signal,
        backend: ctx.backend.name,
        env: ctx.env,
        seed: ctx.spec.seed,
        specFile: ctx.spec.file,
        ...(ctx.remote ? { checkpoints: ctx.remote } : {}),
      });
    },
  };
}
