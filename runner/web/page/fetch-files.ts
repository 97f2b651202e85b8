// The export's files, fetched relative to the page; the weights are checked against the manifest's sha256.
import { WEB_FILES, type ModelCard, type WebModel } from '../web-model.ts';

export async function fetchJson<T>(base: string, name: string): Promise<T> {
  const response = await fetch(new URL(name, base));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new Error(`${name}: malformed JSON (${(error as Error).message})`);
  }
}

export async function fetchWeights(base: string, model: WebModel): Promise<ArrayBuffer> {
  const response = await fetch(new URL(model.weights.file, base));
  if (!response.ok) throw new Error(`${model.weights.file}: HTTP ${response.status}`);
  const buffer = await response.arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (hex !== model.weights.sha256)
    throw new Error(`${model.weights.file}: sha256 ${hex}, the manifest says ${model.weights.sha256}`);
  return buffer;
}

export function fetchModel(base: string): Promise<WebModel> {
  return fetchJson<WebModel>(base, WEB_FILES.model);
}

export function fetchCard(base: string): Promise<ModelCard> {
  return fetchJson<ModelCard>(base, WEB_FILES.card);
}
