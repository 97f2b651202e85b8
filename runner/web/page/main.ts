// The browser entry of a `tfpipe export --web` folder (bundled into page.js by runner/web/bundle-page.ts): starts a
// backend, fetches model.json, the weights and the model card, and runs the classifier or language-model view.
// window.tfpipe is a small hook for tests and the console: {ready, backend, classify?, generate?}.
import { startBackend } from './backend.ts';
import { fetchCard, fetchModel, fetchWeights } from './fetch-files.ts';
import { showModelCard } from './model-card-view.ts';
import { showError, startClassifier, type Classifier } from './classifier-view.ts';
import { startLanguageModel, type Generator } from './lm-view.ts';
import { byId } from './dom.ts';

interface PageHook {
  ready: Promise<void>;
  backend?: string;
  /** Milliseconds from the script's start to the model being ready for its first prediction. */
  readyMs?: number;
  classify?: Classifier['classify'];
  generate?: Generator['generate'];
}

const began = performance.now();
const hook: PageHook = { ready: start() };
(window as unknown as { tfpipe: PageHook }).tfpipe = hook;
hook.ready.catch(showError);

async function start(): Promise<void> {
  const base = new URL('./', location.href).href;
  const forced = new URL(location.href).searchParams.get('backend');
  const [backend, model, card] = await Promise.all([startBackend(base, forced), fetchModel(base), fetchCard(base)]);
  hook.backend = backend;
  byId('backend').textContent = backend === 'webgpu' ? 'WebGPU' : 'WASM';
  document.body.setAttribute('data-backend', backend);
  showModelCard(card);
  const weights = await fetchWeights(base, model);
  if (model.kind === 'classifier') hook.classify = (await startClassifier(base, model, weights)).classify;
  else hook.generate = startLanguageModel(model, weights, model.max_new_tokens).generate;
  hook.readyMs = performance.now() - began;
  document.body.setAttribute('data-state', 'ready');
}
