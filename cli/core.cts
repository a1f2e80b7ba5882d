// The installed entry's fast path for node-local commands: which command lines take it, and running the program's CommonJS bundle (main.cjs) from V8's code cache made at make build.
// Why: for lsns or a pid/ diff, an ESM start-up (the loader itself, then ~60 chunks to resolve and compile)
// cost more than the work; one CommonJS file whose compiled code comes from a cache costs a few ms.
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import nodeModule = require('node:module');

/** Beside the entry in the bundle (scripts/bundle.mjs): the whole program as one CommonJS file. A tsc build has none. */
export const CORE = 'main.cjs';
/** V8's code cache of CORE, made by scripts/bundle.mjs with the node that built it; another node rejects it and compiles. */
export const CORE_CACHE = 'main.cjs.cache';
/** Set by scripts/bundle.mjs only: write the code cache of this run there when it exits. Nothing else ever writes one. */
export const CACHE_OUT_ENV = 'NSINSPECT_BUILD_CODE_CACHE';
/** The parameter through which main.cjs reaches import(): code run by vm.Script has no dynamic import of its own on Node 20. */
export const IMPORT_PARAM = '__nsinspectImport';

/** Options that take a value (global and of diff, ns, ps, whois), so their value is not read as a ref. */
const VALUE_FLAGS = new Set([
  '-o', '--output', '-n', '--namespace', '--kubeconfig', '--context', '--token', '--token-file', '--agent', '--agent-namespace',
  '--agent-daemonset', '--request-timeout', '--as', '--as-group', '--target', '--expect-shared', '-l', '--selector', '-c', '--container',
  '-t', '--type', '--node',
]);
const LOCAL_REF = /^(pid|container)\/./;

/**
 * Whether the command line is plainly node-local: lsns, whois without --node, or diff/ns/ps of
 * pid/ and container/ refs only. Both paths run the same program (cli/main.ts), so a wrong guess
 * costs start-up time, never behaviour; anything unclear takes the ESM bundle, which loads the
 * cluster code (client-node, ws) that main.cjs leaves to node_modules.
 */
export function nodeLocal(args: readonly string[]): boolean {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return false;
    if (a.startsWith('-') && a !== '-') {
      if (a === '--node' || a.startsWith('--node=')) return false;
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  const [cmd, ...refs] = words;
  if (cmd === 'lsns') return refs.length === 0;
  if (cmd === 'whois') return refs.length === 1;
  if (cmd === 'diff' || cmd === 'ns' || cmd === 'ps') return refs.length > 0 && refs.every((r) => LOCAL_REF.test(r));
  return false;
}

/** Runs main.cjs from dir (the program starts on its own: main.ts runs main() when loaded); false when dir has none. */
export function runCore(dir: string): boolean {
  const file = path.join(dir, CORE);
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(path.join(dir, CORE_CACHE));
  } catch {
    // no cache: V8 compiles the source, as for any script
  }
  // CommonJS's own wrapper, plus the import() the bundle's lazily imported packages go through.
  const wrapped = `(function (exports, require, module, __filename, __dirname, ${IMPORT_PARAM}) {${source}\n})`;
  // A cache from another node or V8 is rejected (script.cachedDataRejected) and V8 compiles instead: same program, slower.
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const out = process.env[CACHE_OUT_ENV];
  if (out) process.once('exit', () => fs.writeFileSync(out, script.createCachedData()));
  const run = script.runInThisContext() as (...a: unknown[]) => void;
  const mod = { exports: {} };
  run.call(mod.exports, mod.exports, nodeModule.createRequire(file), mod, file, dir, (specifier: string) => import(specifier));
  return true;
}
