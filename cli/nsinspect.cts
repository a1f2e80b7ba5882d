#!/usr/bin/env node
// The installed entry (nsinspect, kubectl-nsinspect): answers bare --help/-h, --version/-V and no arguments from commander's own pre-rendered help, runs node-local commands from the CommonJS bundle (core.cts), and loads the real program (main.js) for everything else.
// CommonJS on purpose: a CommonJS main skips the ESM loader's start-up (about 20 ms of CPU here); node-local commands stay CommonJS throughout (main.cjs), the rest of the program is ESM.
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');
import type Core = require('./core.cjs');

/** Written by help-build.ts at `make build`: help texts by width, and what they were rendered from. */
export interface HelpIndex {
  /**
   * [file relative to this directory, its copy in the help directory]: main.js and commander's package.json
   * as rendered. Unless they hold the same bytes (a bare tsc rewrites main.js the same), the help is stale.
   */
  stamp: Array<[string, string]>;
  version: string;
  /** Widths below this have their own text in byWidth; at this width and above, commander's help is `wide`. */
  below: number;
  byWidth: number[];
  wide: number;
  /** The exit code of a bare `nsinspect`: 0, help on stdout (otherwise on stderr). */
  noArgsExit: number;
}
/** Beside this file; help-build.ts writes it. */
export const HELP_DIR = 'help';

/** The width commander wraps help to: the terminal's columns, else 80. */
const widthOf = (s: NodeJS.WriteStream): number => (s.isTTY ? s.columns : undefined) ?? 80;

/** The exit code if this is a bare help or version request answered from the pre-rendered help; undefined otherwise. */
function answer(args: string[]): number | undefined {
  const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h');
  const version = args.length === 1 && (args[0] === '--version' || args[0] === '-V');
  if (!help && !version && args.length !== 0) return undefined;
  // As kubectl-nsinspect, help says `kubectl nsinspect`: the pre-rendered texts say nsinspect.
  if (!version && path.basename(process.argv[1] ?? '').startsWith('kubectl-')) return undefined;
  try {
    const dir = path.join(__dirname, HELP_DIR);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as HelpIndex;
    for (const [file, copy] of index.stamp) {
      if (!fs.readFileSync(path.join(__dirname, file)).equals(fs.readFileSync(path.join(dir, copy)))) return undefined;
    }
    if (version) {
      process.stdout.write(index.version);
      return 0;
    }
    // A bare nsinspect answers with help on stdout and exit 0 (as kubectl); noArgsExit says so.
    const out = help || index.noArgsExit === 0 ? process.stdout : process.stderr;
    const w = widthOf(out);
    const text = w >= index.below ? index.wide : Number.isInteger(w) && w >= 0 ? index.byWidth[w] : undefined;
    if (text === undefined) return undefined;
    out.write(fs.readFileSync(path.join(dir, `${text}.txt`), 'utf8'));
    return help ? 0 : index.noArgsExit;
  } catch {
    return undefined; // no pre-rendered help (a bare tsc build, or running from source): commander answers
  }
}

/** Runs a node-local command from the bundle's CommonJS program (core.cts); false where there is none (a tsc build, a copy of this file alone). */
function runNodeLocal(args: string[]): boolean {
  let core: typeof Core;
  try {
    core = require('./core.cjs') as typeof Core;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return false;
    throw err;
  }
  return core.nodeLocal(args) && core.runCore(__dirname);
}

// `nsinspect --help | head -1`: a closed stdout ends us quietly, as in main.ts.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`nsinspect: writing the output: ${err.message}\n`);
  process.exit(err.code === 'EPIPE' ? 0 : 1);
});
const code = answer(process.argv.slice(2));
if (code !== undefined) {
  process.exitCode = code;
} else if (!runNodeLocal(process.argv.slice(2))) {
  // Node.js 22.1+: cache V8's compiled code of the program's modules (NODE_DISABLE_COMPILE_CACHE=1 turns it off).
  try {
    (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  } catch {
    // a cache is an optimisation only
  }
  void import('./main.js');
}
