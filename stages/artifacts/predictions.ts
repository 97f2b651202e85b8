// What a model says about new texts, as `predict` writes it (predictions.csv) and `tfpipe predict` prints it:
//   a classifier   one row per text: text, label (the predicted class), prob_<class> for every class
//   a language model  one row per text: text (the prompt), continuation (the generated text after it),
//                  new_tokens, stop_reason
import { csvLine } from '../data/canonical-text.ts';

export const PREDICTIONS_FILE = 'predictions.csv';

export interface ClassPrediction {
  text: string;
  label: string;
  /** The probability of each class, in labelNames order. */
  probabilities: number[];
}

export interface Continuation {
  text: string;
  continuation: string;
  new_tokens: number;
  stop_reason: string;
}

export type Predictions =
  | { kind: 'classes'; model: string; labelNames: string[]; rows: ClassPrediction[] }
  | { kind: 'continuations'; model: string; rows: Continuation[] };

/** The CSV text of predictions.csv: a header, then one line per text (RFC 4180 quoting where needed). */
export function formatPredictionsCsv(predictions: Predictions): string {
  if (predictions.kind === 'classes') {
    const header = ['text', 'label', ...predictions.labelNames.map((name) => `prob_${name}`)];
    return [
      csvLine(header),
      ...predictions.rows.map((r) => csvLine([r.text, r.label, ...r.probabilities.map(String)])),
    ].join('');
  }
  const header = ['text', 'continuation', 'new_tokens', 'stop_reason'];
  return [
    csvLine(header),
    ...predictions.rows.map((r) => csvLine([r.text, r.continuation, String(r.new_tokens), r.stop_reason])),
  ].join('');
}

/** Rows per predicted label ({label_positive: 3, …}) for a classifier; the continuation count for a language model. */
export function predictionCounts(predictions: Predictions): Record<string, number> {
  if (predictions.kind === 'continuations')
    return { rows: predictions.rows.length, new_tokens: predictions.rows.reduce((n, r) => n + r.new_tokens, 0) };
  const counts: Record<string, number> = { rows: predictions.rows.length };
  for (const name of predictions.labelNames)
    counts[`predicted_${name}`] = predictions.rows.filter((r) => r.label === name).length;
  return counts;
}

const SHOWN_TEXT_CHARS = 120;

/**
 * One line per prediction, the first `shown` of them (default all), for the run summary and `tfpipe predict`:
 *   positive (negative 0.0793, positive 0.9207): "A moving film."
 *   "The model is" → " a good one."
 */
export function describePredictions(predictions: Predictions, shown = predictions.rows.length): string[] {
  const clip = (text: string) =>
    JSON.stringify(text.length > SHOWN_TEXT_CHARS ? `${text.slice(0, SHOWN_TEXT_CHARS)}…` : text);
  const lines =
    predictions.kind === 'classes'
      ? predictions.rows
          .slice(0, shown)
          .map(
            (r) =>
              `${r.label} (${predictions.labelNames.map((name, k) => `${name} ${r.probabilities[k].toFixed(4)}`).join(', ')}): ${clip(r.text)}`,
          )
      : predictions.rows.slice(0, shown).map((r) => `${clip(r.text)} → ${clip(r.continuation)}`);
  if (predictions.rows.length > shown) lines.push(`… ${predictions.rows.length - shown} more in ${PREDICTIONS_FILE}`);
  return lines;
}
