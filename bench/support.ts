/** Helpers the benchmark shares to measure and print. */
/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const mean = (samples: readonly number[]) => samples.reduce((s, x) => s + x, 0) / samples.length;

/** A Markdown table with right-aligned numeric columns. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  // Right-align columns of figures (a number, possibly with a unit or a range; '–' for none).
  const numeric = headers.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || /^([\d.,]+([–-][\d.,]+)?( ?[a-zA-Z/×%]+)?|–)$/.test(String(r[i]))),
  );
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

export const ms = (x: number) => x.toFixed(2);
export const count = (x: number) => x.toLocaleString('en-US');
