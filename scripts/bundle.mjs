// make build's last step: the CLI bundled (esbuild) as dist/cli/bundle/main.js with lazy chunks, and as one CommonJS file with its V8 code cache for node-local commands, behind the same fast entry (nsinspect.cjs) and its pre-rendered help.
// One file means one read and one compile instead of ~150 module resolutions; the commands stay lazy (esbuild
// keeps each dynamic import as a function that runs the module's top level only when called).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist/cli/bundle');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [join(ROOT, 'cli/main.ts')],
  outdir: OUT,
  // Each lazily imported command is a chunk of its own: an external or a large package imported
  // statically by one (client-node, fastify) would otherwise be hoisted into every start-up.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // node-pty is native (and optional): it stays in node_modules, imported only by an agent's exec -t.
  external: ['node-pty'],
  // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __nsinspectRequire } from 'node:module'; const require = __nsinspectRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The same program as one CommonJS file, main.cjs, for the node-local commands (cli/core.cts): no ESM loader
// and no chunks to resolve, and V8's code cache below instead of a compile. The cluster and agent packages stay
// out (node_modules, as the package installs them): main.cjs is only run for lsns, whois and pid/container refs. So do
// the agent's schemas (typebox): bytes every start-up would read, decode and deserialize. js-yaml (-o yaml) stays in.
const CLUSTER_PACKAGES = ['@kubernetes/client-node', 'fastify', '@fastify/websocket', 'prom-client', 'execa', 'ws', 'node-pty'];
/**
 * commander requires node:child_process at load, for git-style executable subcommands we do not have:
 * loading it (and net, dgram… behind it) is a few ms of every start-up. It is required when first spawned instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(eager)) throw new Error(`bundle: ${args.path} no longer has ${eager}: update lazyChildProcess`);
      return { contents: text.replace(eager, "const childProcess = { get spawn() { return require('node:child_process').spawn; } };"), loader: 'js' };
    });
  },
};
const CORE = join(OUT, 'main.cjs');
await build({
  entryPoints: [join(ROOT, 'cli/main.ts')],
  outfile: CORE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: CLUSTER_PACKAGES.flatMap((p) => [p, `${p}/*`]),
  plugins: [lazyChildProcess],
  // Fewer bytes to read and decode at every start-up; names kept (errors and commander read some).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  // agent/kube's import.meta.resolve is the agent's (the ESM bundle runs it), never reached from a node-local command.
  logOverride: { 'empty-import-meta': 'silent' },
  legalComments: 'none',
  logLevel: 'warning',
});
// core.cts runs main.cjs through vm.Script, where import() needs a host callback Node 20 only offers behind a flag:
// its dynamic imports (all of packages left out above) go through the loader's parameter instead. No hashbang inside a function.
let core = readFileSync(CORE, 'utf8').replace(/^#!.*\n/, '');
core = core.replace(/(?<![\w$.])import\(("[^"\n]+")\)/g, (_, spec) => {
  if (!CLUSTER_PACKAGES.some((p) => spec === `"${p}"` || spec.startsWith(`"${p}/`)) && !spec.startsWith('"node:')) throw new Error(`bundle: main.cjs imports ${spec} at run time: bundle it or list it in CLUSTER_PACKAGES`);
  return `__nsinspectImport(${spec})`;
});
const stray = /(?<![\w$.])import\(/.exec(core);
if (stray) throw new Error(`bundle: main.cjs keeps a dynamic import() that vm.Script cannot run: ${core.slice(stray.index, stray.index + 80)}`);
writeFileSync(CORE, core);

copyFileSync(join(ROOT, 'dist/cli/nsinspect.cjs'), join(OUT, 'nsinspect.cjs'));
copyFileSync(join(ROOT, 'dist/cli/core.cjs'), join(OUT, 'core.cjs'));
for (const f of ['main.js', 'nsinspect.cjs']) chmodSync(join(OUT, f), 0o755);
execFileSync(process.execPath, [join(ROOT, 'dist/cli/help-build.js'), OUT], { stdio: 'inherit' });

// V8's code cache of main.cjs, made by this node (a different node or V8 rejects it and compiles: never wrong, only
// slower). A run of lsns compiles what a node-local start-up needs; the cache is written here, never at run time.
// The run is also the bundle's smoke test: a main.cjs that cannot run lsns fails the build (it
// would otherwise ship, and every node-local command would fail for users).
try {
  execFileSync(process.execPath, [join(OUT, 'nsinspect.cjs'), 'lsns', '-o', 'json'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NSINSPECT_BUILD_CODE_CACHE: join(OUT, 'main.cjs.cache') }, timeout: 60_000 });
} catch (err) {
  rmSync(join(OUT, 'main.cjs.cache'), { force: true });
  process.stderr.write(`bundle: main.cjs failed to run lsns: ${String(err.stderr ?? err.message).trim()}\n`);
  process.exit(1);
}
