// The model card panel: pipeline, stage, run, training metrics, dates.
import type { ModelCard } from '../web-model.ts';
import { byId, make } from './dom.ts';

export function showModelCard(card: ModelCard): void {
  const table = byId<HTMLTableElement>('card');
  const row = (key: string, value: string) => {
    const tr = make('tr');
    tr.append(make('th', key), make('td', value, { 'data-key': key }));
    table.append(tr);
  };
  row('pipeline', card.pipeline);
  row('stage', card.stage);
  row('model', card.model_type);
  row('run', card.run ?? '(no run record)');
  row('trained', card.trained);
  row('exported', card.exported);
  row('tfpipe', card.tfpipe);
  for (const [key, value] of Object.entries(card.metrics))
    row(key, typeof value === 'number' ? String(Number(value.toPrecision(6))) : JSON.stringify(value));
}
