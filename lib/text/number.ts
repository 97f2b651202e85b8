// The one way tfpipe writes a number for people: in progress lines, stage summaries, `runs`, `diff`, the report and
// compare tables.
//   formatNumber(124439808) → '124,439,808'    formatNumber(1234.56) → '1,234.6'    formatNumber(0.873412) → '0.8734'
//   formatNumber(0.000123456) → '0.0001235'    formatNumber(27.3412, 2) → '27.34' (fixed digits, as a table asks)
// Integers and anything from 1,000 up are grouped in thousands (en-US, whatever the machine's locale, so logs and
// tests read the same everywhere); smaller fractions keep four significant digits, enough to tell runs apart.

export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (digits !== undefined)
    return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return String(Number(value.toPrecision(4)));
}
