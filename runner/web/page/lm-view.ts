// Language-model page: a prompt, greedy or sampled generation (temperature, top-k as models/gpt2/sampling.ts
// defaults them), max new tokens, tokens shown as they are generated, a stop button. Generation is
// models/gpt2/generate.ts, the code `tfpipe predict` runs; GPT-2's BPE is models/tokenizer/gpt2-bpe.ts.
import * as tf from '@tensorflow/tfjs-core';
import { generateGpt2 } from '../../../models/gpt2/generate.ts';
import { createGpt2Model, type Gpt2Model } from '../../../models/gpt2/model.ts';
import { gpt2ParamShapes, namedVariable, type Gpt2Params } from '../../../models/gpt2/params.ts';
import { decodeGpt2, encodeGpt2 } from '../../../models/tokenizer/gpt2-bpe.ts';
import { WEB_FILES, namedArraysFromWeights, type WebModel } from '../web-model.ts';
import { byId, make } from './dom.ts';
import { showError } from './classifier-view.ts';

type LanguageModel = Extract<WebModel, { kind: 'language-model' }>;

class StopRequested extends Error {}

export interface Generator {
  generate(prompt: string, maxNewTokens: number): Promise<number[]>;
}

/** The model's parameters from the weights, every key and shape checked against the config's list. */
function gpt2FromWeights(spec: LanguageModel, weights: ArrayBuffer): Gpt2Model {
  const arrays = namedArraysFromWeights(spec.weights, weights);
  const params: Gpt2Params = {};
  for (const [name, shape] of gpt2ParamShapes(spec.gpt2)) {
    const array = arrays.get(name);
    if (!array) throw new Error(`${WEB_FILES.weights}: missing ${name} [${shape}]`);
    if (array.shape.join(',') !== shape.join(','))
      throw new Error(`${WEB_FILES.weights}: ${name} has shape [${array.shape}], expected [${shape}]`);
    const value = tf.tensor(array.data, shape, 'float32');
    params[name] = namedVariable(value, name);
    value.dispose();
  }
  return createGpt2Model(spec.gpt2, params);
}

export function startLanguageModel(spec: LanguageModel, weights: ArrayBuffer, maxNewTokens: number): Generator {
  const model = gpt2FromWeights(spec, weights);
  const generate: Generator['generate'] = async (prompt, n) =>
    (await generateGpt2(model, encodeGpt2(prompt), { maxNewTokens: n })).newIds;
  wireLmUi(model, maxNewTokens);
  return { generate };
}

function wireLmUi(model: Gpt2Model, maxNewTokens: number): void {
  byId('language-model').hidden = false;
  const prompt = byId<HTMLTextAreaElement>('prompt');
  const mode = byId<HTMLSelectElement>('mode');
  const temperature = byId<HTMLInputElement>('temperature');
  const topK = byId<HTMLInputElement>('top-k');
  const maxTokens = byId<HTMLInputElement>('max-new-tokens');
  const start = byId<HTMLButtonElement>('generate');
  const stop = byId<HTMLButtonElement>('stop');
  const output = byId('continuation');
  const stats = byId('generation-stats');
  maxTokens.value = String(maxNewTokens);
  let stopping = false;
  stop.addEventListener('click', () => (stopping = true));
  start.addEventListener('click', () => {
    const ids = encodeGpt2(prompt.value);
    if (ids.length === 0) return showError('type a prompt first: GPT-2 continues at least one token');
    stopping = false;
    start.disabled = true;
    stop.disabled = false;
    output.replaceChildren();
    output.removeAttribute('data-done');
    const newIds: number[] = [];
    let shown = '';
    const began = performance.now();
    const sampled = mode.value === 'sampled';
    const run = generateGpt2(model, ids, {
      maxNewTokens: Math.max(1, Number(maxTokens.value) || maxNewTokens),
      doSample: sampled,
      temperature: sampled ? Number(temperature.value) : undefined,
      topK: sampled ? Number(topK.value) : undefined,
      seed: sampled ? Date.now() % 2 ** 31 : undefined,
      onToken: async (token) => {
        newIds.push(token);
        const text = decodeGpt2(newIds); // the whole tail: a character can span tokens
        output.append(make('span', text.slice(shown.length), { class: 'token', 'data-id': String(token) }));
        shown = text;
        const seconds = (performance.now() - began) / 1000;
        stats.textContent = `${newIds.length} tokens, ${(newIds.length / seconds).toFixed(1)} tokens/s`;
        await new Promise((resolve) => setTimeout(resolve, 0)); // paint, and see a stop click
        if (stopping) throw new StopRequested('stopped');
      },
    });
    run
      .catch((error) => {
        if (!(error instanceof StopRequested)) showError(error);
      })
      .finally(() => {
        start.disabled = false;
        stop.disabled = true;
        output.setAttribute('data-done', String(newIds.length));
      });
  });
}
