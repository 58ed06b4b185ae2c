// Summaries of repeated measurements. A noisy shared machine makes single numbers meaningless: every figure in the
// table is a median with its spread over the rounds of one run.

export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** Linear-interpolation quantile of a sorted array (q in 0..1). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((x, y) => x - y);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Per-round ratios a[i] / b[i]: both sides of a round ran back to back, so they saw the same load. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / (b[i] ?? Number.NaN));
}

/** Per-round differences a[i] - b[i]. */
export function differences(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x - (b[i] ?? Number.NaN));
}

/** "1.23× [1.10–1.31]" style: the median, then p25–p75. */
export function formatSpread(s: Summary, unit: (v: number) => string): string {
  return `${unit(s.median)} [${unit(s.p25)}–${unit(s.p75)}]`;
}

export const times = (v: number): string => `${v.toFixed(2)}×`;
export const ms = (v: number): string => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
export const signedMs = (v: number): string => `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`;
export const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
export const perSecond = (v: number): string => `${v.toFixed(v >= 100 ? 0 : 1)}/s`;
