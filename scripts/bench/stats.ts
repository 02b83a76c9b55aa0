// Summary statistics of repeated measurements: median and spread, never a lone mean.

export type Summary = {
  n: number;
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
};

/** Linear-interpolated quantile (q in 0..1) of a sorted copy of `values`. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
    p10: quantile(values, 0.1),
    p90: quantile(values, 0.9),
  };
}

/** Few runs: min–max; many: p10–p90 (the outermost runs of a long series are noise). */
export function spreadOf(summary: Summary): { low: number; high: number; label: "min–max" | "p10–p90" } {
  return summary.n > 10
    ? { low: summary.p10, high: summary.p90, label: "p10–p90" }
    : { low: summary.min, high: summary.max, label: "min–max" };
}

/** "12.34 ms (11.9–13.1, min–max, n=5)" with a sensible number of digits for the unit. */
export function formatSummary(summary: Summary, unit: string, digits = precisionFor(summary.median)): string {
  const { low, high, label } = spreadOf(summary);
  const f = (value: number) => value.toFixed(digits);
  return `${f(summary.median)} ${unit} (${f(low)}–${f(high)} ${label}, n=${summary.n})`;
}

export function precisionFor(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  if (magnitude >= 1) return 2;
  return 3;
}
