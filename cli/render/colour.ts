// Colour for the human output: only on a terminal, never with NO_COLOR set, never in JSON; applied to text already made safe (visibleLines).
import { ACCESS_OPS } from '../../agent/model/access.js';

const SGR = { red: '31', green: '32', yellow: '33', cyan: '36', bold: '1' } as const;
const paintWith = (code: string, s: string): string => `\x1b[${code}m${s}\x1b[0m`;

/** https://no-color.org: NO_COLOR set and not empty turns colour off; so does a pipe or a file. */
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

const NS_ROW = /^((?:cgroup|ipc|mnt|net|pid|time|user|uts)\s+\S+\s+\S+\s+)(yes|no)(\s)/;
const OPS = ACCESS_OPS.join('|');
/** access: a summary row (`ptrace  no (NO_CAP)  why`) or a walk's head (`ptrace: no (NO_CAP)`). */
const VERDICT = new RegExp(`^((?:${OPS})(?::|\\s)\\s*)(yes|(?:no|unknown) \\(\\S+\\))(?=\\s|$)`);
/** access: one check of a walk (`   3. fail    ptrace_may_access: …`). */
const CHECK = /^(\s+\d+\. )(pass|fail|unknown)(?=\s)/;
/** lsns: NS TYPE NPROCS PID USER, then the CONTAINER cell ("-" for the host's). */
const LSNS_ROW = /^(\d+\s+(?:cgroup|ipc|mnt|net|pid|time|user|uts)\s+\d+\s+\d+\s+\S+\s+)([0-9a-f]{12})(?=\s|$)/;
const VERDICT_SGR: Record<string, string> = { yes: SGR.green, no: SGR.red, unknown: SGR.yellow, pass: SGR.green, fail: SGR.red };

/** The line with its first match of re painted: group 1 kept, group 2 in the colour pick() gives (none: unchanged). */
function mark(line: string, re: RegExp, pick: (word: string) => string | undefined): string | undefined {
  const [, lead, word] = re.exec(line) ?? [];
  if (lead === undefined || word === undefined) return undefined;
  const code = pick(word);
  return code === undefined ? line : lead + paintWith(code, word) + line.slice(lead.length + word.length);
}
const verdictColour = (word: string): string | undefined => VERDICT_SGR[word.split(' ')[0] ?? ''];

/**
 * Marks what a reader looks for first: findings (*) in bold, mismatches (!) in red, a diff's
 * SHARED column green (yes) or yellow (no), and ops an access check refuses in red; in `access`,
 * each op's verdict (yes green, no red, unknown yellow) and each check of its walk (pass, fail,
 * unknown alike); in `lsns`, the container that owns a namespace (cyan; the host's stay plain).
 * The text must already be escaped: the only escapes in the result are these.
 */
export function colourize(text: string): string {
  // A wrapped finding goes on in indented lines: they keep its colour.
  let carry: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      if (carry && line.startsWith('  ') && line.trim() !== '') return paintWith(carry, line);
      carry = line.startsWith('! ') ? SGR.red : line.startsWith('* ') ? SGR.bold : undefined;
      if (carry) return paintWith(carry, line);
      const [, lead, shared] = NS_ROW.exec(line + ' ') ?? [];
      if (lead !== undefined && shared !== undefined) return lead + paintWith(shared === 'yes' ? SGR.green : SGR.yellow, shared) + line.slice(lead.length + shared.length);
      const marked = mark(line, VERDICT, verdictColour) ?? mark(line, CHECK, verdictColour) ?? mark(line, LSNS_ROW, () => SGR.cyan);
      if (marked !== undefined) return marked;
      return line.replace(/^(\s+\S+\s+)(no \(\S+\))/, (_, a: string, b: string) => a + paintWith(SGR.red, b));
    })
    .join('\n');
}

/** The text as it goes to stdout: coloured when useColour() says so. */
export function paint(text: string, on = useColour()): string {
  return on ? colourize(text) : text;
}
