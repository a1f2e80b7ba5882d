// Pre-renders `nsinspect --help` at `make build` by running the real commander program (main.js) at every terminal width, for the fast entry (nsinspect.cts).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Types only: importing the entry would run it.
import type { HelpIndex } from './nsinspect.cjs';

/** The directory of the main.js to render: this one, or the one given (the bundle's, dist/cli/bundle, where commander is inside main.js). */
const OWN = dirname(fileURLToPath(import.meta.url));
const HERE = process.argv[2] ? resolve(process.argv[2]) : OWN;
const MAIN = join(HERE, 'main.js');
/** Past the longest line every width gives the same text; checked up to this much beyond it. */
const MARGIN = 40;

interface Run { stdout: string; stderr: string; code: number }
let fresh = 0;

/** Runs main.js in this process (a fresh module instance) with stdout and stderr as terminals of `columns`, or as pipes. */
async function run(args: string[], columns: number | undefined): Promise<Run> {
  const out = { stdout: '', stderr: '' };
  const saved = { argv: process.argv, out: process.stdout.write, err: process.stderr.write };
  const streams = [process.stdout, process.stderr];
  const tty = streams.map((s) => ({ s, props: (['isTTY', 'columns'] as const).map((k) => [k, Object.getOwnPropertyDescriptor(s, k)] as const) }));
  process.argv = [process.execPath, 'nsinspect', ...args];
  process.exitCode = undefined;
  for (const s of streams) {
    Object.defineProperty(s, 'isTTY', { value: columns === undefined ? undefined : true, configurable: true, writable: true });
    Object.defineProperty(s, 'columns', { value: columns, configurable: true, writable: true });
  }
  process.stdout.write = ((s: string) => ((out.stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((out.stderr += s), true)) as typeof process.stderr.write;
  try {
    const program = (await import(`${pathToFileURL(MAIN).href}?help-build=${++fresh}`)) as { done?: Promise<void> };
    await program.done;
    return { ...out, code: Number(process.exitCode ?? 0) };
  } finally {
    process.argv = saved.argv;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    for (const { s, props } of tty) {
      for (const [k, d] of props) {
        if (d) Object.defineProperty(s, k, d);
        else delete (s as unknown as Record<string, unknown>)[k];
      }
    }
    process.exitCode = 0;
  }
}

function expect(what: string, ok: boolean): void {
  if (!ok) throw new Error(`help-build: ${what}`);
}

async function main(): Promise<void> {
  // commander's package.json (its exports hide it from resolve): a reinstall or upgrade rewrites it.
  const stamped = (HERE === OWN ? [MAIN, join(dirname(createRequire(MAIN).resolve('commander')), 'package.json')] : [MAIN]).map((path) => ({ path, before: readFileSync(path) }));
  const help = async (w: number | undefined): Promise<string> => {
    const r = await run(['--help'], w);
    expect(`--help at width ${w} exited ${r.code} with ${JSON.stringify(r.stderr.slice(0, 200))}`, r.code === 0 && r.stderr === '' && r.stdout.startsWith('Usage: nsinspect'));
    return r.stdout;
  };
  const piped = await help(undefined);
  // What every width past the longest line gives.
  const wide = await help(100_000);
  const longest = Math.max(...piped.split('\n').map((l) => l.length), ...wide.split('\n').map((l) => l.length));
  const byWidth: string[] = [];
  for (let w = 0; w <= longest + MARGIN; w++) byWidth.push(await help(w));
  let below = byWidth.length;
  while (below > 0 && byWidth[below - 1] === wide) below--;
  expect(`no width settles (longest line ${longest})`, below <= longest + 1 && byWidth[byWidth.length - 1] === wide);
  expect('piped help differs from width 80', piped === byWidth[80]);

  // A bare `nsinspect` prints the same help on stdout and exits 0: check it at a few widths.
  const bare = async (w: number | undefined): Promise<Run> => {
    const r = await run([], w);
    expect(`bare nsinspect at width ${w} is not --help on stdout with exit 0`, r.stderr === '' && r.stdout === byWidth[w ?? 80] && r.code === 0);
    return r;
  };
  const noArgs = await bare(undefined);
  for (const w of [40, 80, 120, longest]) await bare(w);
  const version = await run(['--version'], undefined);
  expect('--version', version.code === 0 && version.stderr === '' && /^\d+\.\d+\.\d+\S*\n$/.test(version.stdout));
  expect('main.js or commander changed while rendering', stamped.every((f) => readFileSync(f.path).equals(f.before)));

  const texts = [...new Set([...byWidth.slice(0, below), wide])];
  const index: HelpIndex = {
    stamp: stamped.map((f, i) => [relative(HERE, f.path), `stamp-${i}`]),
    version: version.stdout,
    below,
    byWidth: byWidth.slice(0, below).map((t) => texts.indexOf(t)),
    wide: texts.indexOf(wide),
    noArgsExit: noArgs.code,
  };
  // Swap the whole directory in at once: a concurrent `nsinspect --help` sees the old texts, none, or the new ones.
  const dir = join(HERE, 'help'); // nsinspect.cts's HELP_DIR
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  texts.forEach((t, i) => writeFileSync(join(tmp, `${i}.txt`), t));
  stamped.forEach((f, i) => writeFileSync(join(tmp, `stamp-${i}`), f.before));
  writeFileSync(join(tmp, 'index.json'), JSON.stringify(index) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  process.stdout.write(`help-build: ${texts.length} help texts for widths 0-${below - 1} and >= ${below} (piped: 80), in ${relative(process.cwd(), dir)}/\n`);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
