// Owns the benchmarks' command lines: one parser for every scenario, with --help, integer checks and --out.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository root (the scenarios run from dist/bench/). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Where results go unless --out says otherwise: outside the source tree. */
export const RESULTS = process.env.NSINSPECT_BENCH_RESULTS ?? join(ROOT, 'dist/bench-results');

export interface Args<K extends string> {
  /** An integer option, at least min (default 1); a usage error (exit 2) otherwise. */
  int(k: K, min?: number): number;
  str(k: K): string;
  flag(k: K): boolean;
  /** The results file: --out, else RESULTS/<scenario>.json. */
  out: string;
  argv: string[];
}

/**
 * Parses process.argv against defaults (a string default makes a valued option, a boolean one a
 * flag); --help prints the usage made from them. Unknown options are a usage error.
 */
export function args<K extends string>(scenario: string, defaults: Record<K, string | boolean>): Args<K> {
  const usage = `usage: node dist/bench/${scenario}.js ${Object.entries(defaults)
    .map(([k, v]) => (typeof v === 'boolean' ? `[--${k}]` : `[--${k} ${v || 'X'}]`))
    .join(' ')} [--out FILE]`;
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }> = {
    out: { type: 'string', default: join(RESULTS, `${scenario}.json`) },
    help: { type: 'boolean', short: 'h', default: false },
  };
  for (const [k, v] of Object.entries<string | boolean>(defaults)) options[k] = typeof v === 'boolean' ? { type: 'boolean', default: v } : { type: 'string', ...(v === '' ? {} : { default: v }) };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ options, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    int: (k, min = 1) => {
      const n = Number(values[k]);
      if (Number.isInteger(n) && n >= min) return n;
      console.error(`--${k} wants an integer >= ${min}, not ${JSON.stringify(values[k])}\n${usage}`);
      process.exit(2);
    },
    str: (k) => String(values[k] ?? ''),
    flag: (k) => values[k] === true,
    out: String(values.out),
    argv: process.argv.slice(2),
  };
}
