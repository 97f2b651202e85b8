// Classifier page: a textarea; after typing settles, the predicted label and every class's probability, computed by
// the same code as `tfpipe predict` (classifyWithModel: the word tokenizer, the LSTM, the softmax/sigmoid).
// Each result row carries data-text (the text it is for) so a reader knows which input the figures belong to.
import { classifyWithModel } from '../../../stages/classifier/classify-with-model.ts';
import { wordTokenizerFromJson } from '../../../stages/artifacts/word-tokenizer-rules.ts';
import { lstmFromStateDict } from '../../../models/lstm/state-dict.ts';
import { WEB_FILES, namedArraysFromWeights, type WebModel } from '../web-model.ts';
import { fetchJson } from './fetch-files.ts';
import { byId, debounce, make } from './dom.ts';

type ClassifierModel = Extract<WebModel, { kind: 'classifier' }>;

export interface Classifier {
  classify(text: string): Promise<{ label: string; probabilities: Record<string, number> }>;
}

export async function startClassifier(base: string, spec: ClassifierModel, weights: ArrayBuffer): Promise<Classifier> {
  const tokenizer = wordTokenizerFromJson(
    await fetchJson(base, WEB_FILES.tokenizer),
    await fetchJson(base, WEB_FILES.vocab),
    WEB_FILES.tokenizer,
    WEB_FILES.vocab,
  );
  const model = lstmFromStateDict(namedArraysFromWeights(spec.weights, weights), spec.lstm, WEB_FILES.weights);
  const classify: Classifier['classify'] = async (text) => {
    const { labelNames, rows } = await classifyWithModel(
      tokenizer,
      model,
      spec.label_names,
      [text],
      { batchSize: 1 },
      WEB_FILES.model,
    );
    const probabilities = Object.fromEntries(labelNames.map((name, k) => [name, rows[0].probabilities[k]]));
    return { label: rows[0].label, probabilities };
  };
  wireClassifierUi(classify);
  return { classify };
}

function wireClassifierUi(classify: Classifier['classify']): void {
  byId('classifier').hidden = false;
  const input = byId<HTMLTextAreaElement>('review');
  const label = byId('label');
  const table = byId<HTMLTableElement>('probabilities');
  let latest = 0;
  const update = async () => {
    const text = input.value;
    const ticket = ++latest;
    const result = await classify(text);
    if (ticket !== latest) return; // a newer text is on its way
    label.textContent = result.label;
    table.replaceChildren();
    for (const [name, p] of Object.entries(result.probabilities)) {
      const bar = make('div', undefined, { class: 'bar', style: `width: ${(p * 100).toFixed(1)}%` });
      const tr = make('tr', undefined, { 'data-class': name });
      tr.append(make('th', name), make('td', p.toFixed(7), { class: 'probability' }), make('td'));
      tr.lastElementChild!.append(bar);
      table.append(tr);
    }
    byId('result').setAttribute('data-text', text);
  };
  input.addEventListener(
    'input',
    debounce(() => void update().catch(showError), 150),
  );
  void update().catch(showError);
}

export function showError(error: unknown): void {
  const box = byId('error');
  box.hidden = false;
  box.textContent = String((error as Error)?.message ?? error);
}
