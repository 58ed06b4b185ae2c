// The one table the bench prints: a row per comparison, the median of each side, the per-round result with its
// spread, the target and whether this run met it.

export interface Row {
  what: string;
  ours: string;
  baseline: string;
  /** Median [p25–p75] of the per-round ratio or difference. */
  result: string;
  target: string;
  /** true met, false missed, null: no target (context for another row). */
  met: boolean | null;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['measurement', 'ours', 'baseline', 'result: median [p25–p75]', 'target', ''];
  const cells = rows.map((r) => [
    r.what,
    r.ours,
    r.baseline,
    r.result,
    r.target,
    r.met === null ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
