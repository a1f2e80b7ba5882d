// Owns how results leave a benchmark: aligned text tables, PASS/FAIL lines, and the JSON results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Columns aligned: the first to the left, the rest to the right. */
export function pad(rows: string[][]): string {
  const w = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c] ?? 0) : cell.padStart(w[c] ?? 0))).join('   ')).join('\n');
}

export interface Target { target: string; value: number | string; pass: boolean }

export const targetLines = (ts: Target[], unit = ''): string[] => ts.map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value}${unit}`);

/** Writes the results file (pretty JSON), making its directory. */
export function writeResult(out: string, result: unknown): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
}

export const now = (): string => new Date().toISOString();
