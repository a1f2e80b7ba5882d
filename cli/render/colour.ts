// Colour for the human output: only on a terminal, never with NO_COLOR set, never in JSON; applied to text already made safe (visibleLines).

const SGR = { red: '31', green: '32', yellow: '33', bold: '1' } as const;
const paintWith = (code: string, s: string): string => `\x1b[${code}m${s}\x1b[0m`;

/** https://no-color.org: NO_COLOR set and not empty turns colour off; so does a pipe or a file. */
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

const NS_ROW = /^((?:cgroup|ipc|mnt|net|pid|time|user|uts)\s+\S+\s+\S+\s+)(yes|no)(\s)/;

/**
 * Marks what a reader looks for first: findings (*) in bold, mismatches (!) in red, a diff's
 * SHARED column green (yes) or yellow (no), and ops an access check refuses in red. The text
 * must already be escaped: the only escapes in the result are these.
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
      return line.replace(/^(\s+\S+\s+)(no \(\S+\))/, (_, a: string, b: string) => a + paintWith(SGR.red, b));
    })
    .join('\n');
}

/** The text as it goes to stdout: coloured when useColour() says so. */
export function paint(text: string, on = useColour()): string {
  return on ? colourize(text) : text;
}
