// Numbers as the report prints them, rounded for reading rather than for storage:
//   probabilities and rates in [0, 1] (accuracy, precision, recall, F1, AUC, a probability) → 4 decimals: 0.9957
//   losses, perplexities and other fractions → 4 significant digits: 2.303, 27.34, 0.0001235
//   integers (rows, parameter counts) → grouped: 124,439,808
// The kind is told by the metric's name (test_acc, valid_loss, probability); a name that says nothing falls back
// to significant digits, which never hides a difference that decimals would.
import { formatNumber } from '../../lib/text/number.ts';

const PROBABILITY = /(^|_)(acc|accuracy|precision|recall|f1|auc|ap|probability|prob|score|rate|tpr|fpr)(_|$)/i;

/** Is `name` (a metric or column name) a probability or rate, printed with 4 decimals? */
export function isProbabilityName(name: string): boolean {
  return PROBABILITY.test(name);
}

export function formatReportNumber(value: number, name = ''): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return formatNumber(value);
  if (isProbabilityName(name) && Math.abs(value) <= 1) return value.toFixed(4);
  return formatNumber(value);
}

/** A metric value of any type: numbers rounded by name, the rest as text. */
export function formatReportValue(value: unknown, name = ''): string {
  if (typeof value === 'number') return formatReportNumber(value, name);
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
