// make build's last step: the CLI as one file, dist/cli/bundle/main.js (esbuild), behind the same fast entry (nsinspect.cjs) and its pre-rendered help.
// One file means one read and one compile instead of ~150 module resolutions; the commands stay lazy (esbuild
// keeps each dynamic import as a function that runs the module's top level only when called).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
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
copyFileSync(join(ROOT, 'dist/cli/nsinspect.cjs'), join(OUT, 'nsinspect.cjs'));
for (const f of ['main.js', 'nsinspect.cjs']) chmodSync(join(OUT, f), 0o755);
execFileSync(process.execPath, [join(ROOT, 'dist/cli/help-build.js'), OUT], { stdio: 'inherit' });
