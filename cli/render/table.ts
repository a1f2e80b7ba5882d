// Renders aligned text tables for the CLI's -o table output, and makes every cell safe to show on a terminal.

export interface TableOptions {
  /** Width to fit in; the last column is cut to fit (with "…"). Undefined: never cut. */
  width?: number;
}

/**
 * C0 (tab and newline too), DEL, C1 (U+0080–U+009F, which some terminals obey like ESC) and the
 * bidirectional overrides that make text read in another order than it is.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function show(c: string): string {
  const n = c.charCodeAt(0);
  return NAMED[c] ?? (n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`);
}

/**
 * A cell as the operator may safely see it: every control character shown as an escape (`\x1b`,
 * `\n`, `\x9b`…), so a process whose command line holds `ESC[2J` or an OSC title cannot repaint
 * the terminal, and a newline cannot forge a table row. JSON output needs none of this: JSON escapes.
 */
export function visible(s: string): string {
  return s.replace(CONTROL, show);
}

/** A whole rendered text: like visible(), but its own line breaks stay (the last guard before stdout). */
export function visibleLines(s: string): string {
  return s.replace(CONTROL_BUT_NEWLINE, show);
}

/** --no-headers, set once by the output module before rendering: tables leave out their header row. */
let noHeaders = false;
export function setNoHeaders(on: boolean): void {
  noHeaders = on;
}

/** -o wide, set the same way: no table line is cut at the terminal's width (kubectl's wide is never cut either). */
let uncut = false;
export function setWide(on: boolean): void {
  uncut = on;
}

/** Left-aligned columns separated by two spaces; numbers stay left-aligned like lsns. */
export function table(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const all = [...(noHeaders ? [] : [headers]), ...rows].map((r) => r.map(visible));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const lines = all.map((r) => {
    const cells = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)));
    let line = cells.join('  ');
    if (opts.width !== undefined && !uncut && line.length > opts.width) line = line.slice(0, Math.max(opts.width - 1, 0)) + '…';
    return line.trimEnd();
  });
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * The terminal's width when stdout is a terminal (80 when it tells none: a pty without a size),
 * else undefined: pipes get whole lines.
 */
export function terminalWidth(): number | undefined {
  if (!process.stdout.isTTY) return undefined;
  return process.stdout.columns > 0 ? process.stdout.columns : 80;
}

/** Key/value lines: "key:  value", keys aligned. */
export function keyValues(pairs: Array<[string, string]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w)}  ${visible(v)}`).join('\n') + '\n';
}

/**
 * A line of prose wrapped at word boundaries to `width` columns, the following lines indented
 * by `indent` spaces. Undefined width (a pipe): the line stays whole, for grep.
 */
export function wrapWords(line: string, width: number | undefined, indent = 2): string {
  if (width === undefined || line.length <= width) return line;
  const out: string[] = [];
  let cur = '';
  const words = line.split(' ');
  // A bullet ("*", "!") stays with the first word.
  const [first, second] = words;
  if (first !== undefined && second !== undefined && /^[*!-]$/.test(first)) words.splice(0, 2, `${first} ${second}`);
  for (const word of words) {
    const next = cur === '' ? word : `${cur} ${word}`;
    if (next.length > width && cur.trim() !== '') {
      out.push(cur);
      cur = ' '.repeat(indent) + word;
    } else cur = next;
  }
  out.push(cur);
  return out.join('\n');
}
