// The install paths a user takes: the npm package into an empty prefix, and the krew archive as krew lays it out; both found by kubectl's plugin discovery.
import t from 'tap';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// Only the prefix's bin, Node itself and the system's (kubectl lives in /usr/bin): nothing of this checkout.
const pathWith = (bin: string): string => [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');

t.test('release: npm package and krew archive, installed and discovered by kubectl', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'release');
  // `make test` has just built dist/: the release packs it as it is.
  const rel = await execa('scripts/release.sh', [], { cwd: ROOT, env: { RELEASE_OUT: out, RELEASE_SKIP_BUILD: '1', RELEASE_BASE_URL: 'https://example.invalid/v0' }, reject: false });
  t.equal(rel.exitCode, 0, `make release: ${rel.stderr.slice(-500)}`);
  const tarball = join(out, `nsinspect-${VERSION}.tgz`);
  const archive = join(out, `kubectl-nsinspect-${VERSION}.tar.gz`);

  t.test('npm install -g into an empty prefix', async (t) => {
    const prefix = join(dir, 'prefix');
    // node-pty is the agent's and optional: a laptop without a compiler installs the CLI all the same.
    const inst = await execa('npm', ['install', '-g', '--prefix', prefix, '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { reject: false });
    t.equal(inst.exitCode, 0, `npm install: ${inst.stderr.slice(-500)}`);
    const env = { PATH: pathWith(join(prefix, 'bin')), HOME: dir };
    const opts = { env, extendEnv: false, reject: false, cwd: dir } as const;
    const version = await execa('nsinspect', ['--version'], opts);
    t.equal(version.stdout.trim(), VERSION, 'nsinspect --version from the installed package');
    const list = await execa('kubectl', ['plugin', 'list'], opts);
    t.match(list.stdout, join(prefix, 'bin', 'kubectl-nsinspect'), 'kubectl plugin list finds it');
    const help = await execa('kubectl', ['nsinspect', '--help'], opts);
    t.equal(help.exitCode, 0, 'kubectl nsinspect --help exits 0');
    t.match(help.stdout, /Usage: .*nsinspect/, 'and prints the usage');
    const pkg = join(prefix, 'lib', 'node_modules', 'nsinspect');
    t.same(readdirSync(pkg).filter((f) => f !== 'node_modules').sort(), ['LICENSE', 'README.md', 'dist', 'docs', 'package.json'], 'the package holds the runtime files, no sources or tests');
    t.same(readdirSync(join(pkg, 'dist')).sort(), ['agent', 'cli'], 'and of dist/ only the CLI and the agent');
  });

  t.test('the krew manifest, applied to the archive as krew does', async (t) => {
    const manifest = yaml.load(readFileSync(join(out, 'nsinspect.yaml'), 'utf8')) as {
      kind: string;
      spec: { version: string; platforms: Array<{ selector: { matchLabels: { os: string; arch: string } }; uri: string; sha256: string; files: Array<{ from: string; to: string }>; bin: string }> };
    };
    t.equal(manifest.kind, 'Plugin');
    t.equal(manifest.spec.version, `v${VERSION}`);
    t.same(manifest.spec.platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`).sort(), ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64']);
    const sha = (await execa('sha256sum', [archive])).stdout.split(' ')[0];
    for (const p of manifest.spec.platforms) {
      t.equal(p.sha256, sha, `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}: the archive's sha256`);
      t.equal(p.uri, `https://example.invalid/v0/kubectl-nsinspect-${VERSION}.tar.gz`);
    }
    // krew: unpack, move each `from` glob to `to` in the install dir, symlink `bin` as kubectl-nsinspect.
    const linux = manifest.spec.platforms.find((p) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64');
    if (!linux) throw new Error('no linux/amd64 platform');
    const unpacked = join(dir, 'krew-unpacked');
    const installed = join(dir, 'krew-store');
    const bin = join(dir, 'krew-bin');
    for (const d of [unpacked, installed, bin]) mkdirSync(d);
    await execa('tar', ['-xzf', archive, '-C', unpacked]);
    for (const f of linux.files) {
      const from = f.from.replace(/\/\*$/, '');
      for (const entry of readdirSync(join(unpacked, from))) await execa('mv', [join(unpacked, from, entry), join(installed, f.to, entry)]);
    }
    symlinkSync(join(installed, linux.bin), join(bin, 'kubectl-nsinspect'));
    const env = { PATH: pathWith(bin), HOME: dir };
    const help = await execa('kubectl', ['nsinspect', '--version'], { env, extendEnv: false, reject: false, cwd: dir });
    t.equal(help.stdout.trim(), VERSION, 'kubectl nsinspect --version through the krew layout');
    const ps = await execa('kubectl', ['nsinspect', 'diff', 'pid/1', 'pid/1', '-o', 'json'], { env, extendEnv: false, reject: false, cwd: dir });
    t.equal(ps.exitCode, 0, `a node-local command runs from the archive's own node_modules: ${ps.stderr}`);
  });
});
