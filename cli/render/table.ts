// Renders aligned text tables for the CLI's -o table output.

export interface TableOptions {
  /** Width to fit in; the last column is cut to fit (with "…"). Undefined: never cut. */
  width?: number;
}

/** Left-aligned columns separated by two spaces; numbers stay left-aligned like lsns. */
export function table(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const lines = all.map((r) => {
    const cells = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])));
    let line = cells.join('  ');
    if (opts.width !== undefined && line.length > opts.width) line = line.slice(0, Math.max(opts.width - 1, 0)) + '…';
    return line.trimEnd();
  });
  return lines.join('\n') + '\n';
}

/** The terminal's width when stdout is a terminal, else undefined (pipes get whole lines). */
export function terminalWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/** Key/value lines: "key:  value", keys aligned. */
export function keyValues(pairs: Array<[string, string]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w)}  ${v}`).join('\n') + '\n';
}
