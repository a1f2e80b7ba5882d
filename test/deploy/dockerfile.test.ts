// The Dockerfile's structure (no hadolint in Debian or npm): stages, the tools exec mode promises, root, entrypoint; and make dist replays its build stage.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from './render.js';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const lines = text.replace(/\\\n/g, ' ').split('\n');
const args = Object.fromEntries(lines.filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4).split('=')));

/** Instructions of each stage, by its AS name. */
const stages = new Map<string, { from: string; steps: string[] }>();
let current: { from: string; steps: string[] } | undefined;
for (const l of lines) {
  const [, image, stage] = /^FROM (\S+) AS (\w+)$/.exec(l) ?? [];
  if (image !== undefined && stage !== undefined) stages.set(stage, (current = { from: image.replace(/\$\{(\w+)\}/g, (_, a: string) => args[a] ?? ''), steps: [] }));
  else if (current && /^[A-Z]+ /.test(l)) current.steps.push(l);
}

/** Which Debian package ships a command, on this Debian machine (the image is Debian too; usrmerge may move its path). */
async function packageOf(cmd: string): Promise<string> {
  const path = (await execa('sh', ['-c', 'command -v "$0"', cmd])).stdout.trim();
  for (const pattern of [path, `*/bin/${cmd}`, `*/sbin/${cmd}`]) {
    const r = await execa('dpkg-query', ['-S', pattern], { reject: false });
    if (r.exitCode === 0) {
      // "pkg: /path" (or "pkg:arch: /path"), one line per package: the first one's name.
      const [first = ''] = r.stdout.split('\n');
      const [pkg = first] = first.split(':');
      return pkg;
    }
  }
  return `(no package ships ${cmd})`;
}

t.test('two stages: a build stage and a slim runtime on a supported Node.js LTS', async (t) => {
  t.same([...stages.keys()], ['build', 'runtime']);
  const major = Number(args.NODE_VERSION);
  t.ok([22, 24].includes(major), `Node.js ${major}: 20 is past its end of life`);
  t.match(stages.get('build')!.from, /^node:\d+-bookworm$/);
  t.match(stages.get('runtime')!.from, /^node:\d+-bookworm-slim$/);
  const build = stages.get('build')!.steps.join('\n');
  t.match(build, /RUN npm ci /, 'npm ci');
  t.match(build, /RUN npx tsc -p tsconfig\.json/, 'tsc');
  t.match(build, /require\('node-pty'\)/, 'node-pty\'s native addon is built and loads');
  t.match(build, /npm prune --omit=dev/, 'no dev dependencies in the image');
});

t.test('the runtime stage installs what exec mode "tools" promises, and runs `nsinspect agent` as root', async (t) => {
  const runtime = stages.get('runtime')!.steps;
  const installed = new Set(runtime.filter((s) => s.includes('apt-get install')).flatMap((s) => s.split(/\s+/)).filter((w) => /^[a-z0-9][a-z0-9+.-]+$/.test(w)));
  // The docs' promise for `--ns tools` (ps, ss, ip, cat...) and what argv.ts runs (nsenter, unshare).
  const readme = readFileSync(join(ROOT, 'docs/cluster.md'), 'utf8');
  const promised = /binaries: ([a-z, ]+)…/.exec(readme)?.[1]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  t.ok(promised.length >= 3, `the README promises ${promised.join(', ')}`);
  const argv = readFileSync(join(ROOT, 'agent/exec/argv.ts'), 'utf8');
  const runs = ['nsenter', 'unshare'].filter((c) => argv.includes(`'${c}'`));
  t.same(runs, ['nsenter', 'unshare']);
  const essential = new Set(['coreutils']); // in every Debian image, node:*-slim included
  for (const cmd of [...promised, ...runs]) {
    const pkg = await packageOf(cmd);
    t.ok(installed.has(pkg) || essential.has(pkg), `${cmd}: Debian package ${pkg} is in the runtime image`);
  }
  t.ok(installed.has('procps') && installed.has('iproute2') && installed.has('util-linux'));
  t.ok(runtime.includes('ENTRYPOINT ["nsinspect", "agent"]'), 'ENTRYPOINT nsinspect agent');
  // The image links the same entry as package.json's bin (the fast --help entry), for both names.
  const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  for (const [name, file] of Object.entries(bin)) {
    t.ok(runtime.some((s) => s.includes(`ln -s /opt/nsinspect/${file} /usr/local/bin/${name}`)), `${name} on the PATH, linked to ${file}`);
  }
  t.ok(runtime.includes('USER 0:0'), 'root, explicitly');
  t.match(text, /# Runs as root, on purpose: [^\n]*\n#[^\n]*capabilit/, 'a comment says why root');
  const copied = runtime.filter((s) => s.startsWith('COPY --from=build')).map((s) => s.split(/\s+/)[2]);
  t.same(copied, ['/src/package.json', '/src/node_modules', '/src/dist/agent', '/src/dist/cli']);
});

t.test('.dockerignore sends only what the build stage copies', async (t) => {
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  t.equal(ignore[0], '*');
  const allowed = ignore.slice(1).map((l) => l.replace(/^!/, ''));
  const copiedFromContext = stages.get('build')!.steps.filter((s) => s.startsWith('COPY ') && !s.includes('--from')).flatMap((s) => s.split(/\s+/).slice(1, -1));
  t.same([...allowed].sort(), [...copiedFromContext].sort());
});

t.test('make dist replays the build stage: scripts/dist.sh reads the Dockerfile', async (t) => {
  const make = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  t.match(make, /^dist:\n\t@scripts\/dist\.sh$/m);
  t.match(readFileSync(join(ROOT, '.ci/run'), 'utf8'), /make dist/, 'CI runs it');
  const dist = readFileSync(join(ROOT, 'scripts/dist.sh'), 'utf8');
  t.match(dist, / AS build\$/, 'it takes its steps from the build stage');
});
