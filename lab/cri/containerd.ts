// Starts a private containerd (Debian's package) with its CRI plugin for the tests: own socket, root, state,
// config, CNI and images, so it never meets the machine's containerd or another test's. stop() undoes it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CRI_FILES } from './files.js';
import { CriClient } from './client.js';
import { buildImages, PAUSE_IMAGE } from './images.js';

const HERE = CRI_FILES;
const CAP_SYS_RESOURCE = 24;
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** True when CAP_SYS_RESOURCE is in both our bounding and effective sets (runc needs it to lower oom_score_adj). */
export function hasSysResource(): boolean {
  const status = readFileSync('/proc/self/status', 'utf8');
  const set = (name: string) => BigInt('0x' + (status.match(new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm'))?.[1] ?? '0'));
  const bit = 1n << BigInt(CAP_SYS_RESOURCE);
  return (set('CapBnd') & bit) !== 0n && (set('CapEff') & bit) !== 0n;
}

function snapshotter(): string {
  return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')) ? 'overlayfs' : 'native';
}

function configToml(dir: string, snap: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  restrict_oom_score_adj = ${!hasSysResource()}
[${cri}.containerd]
  snapshotter = "${snap}"
  default_runtime_name = "runc"
[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = "${dir}/runc"
[${cri}.cni]
  bin_dir = "${dir}/cni/bin"
  conf_dir = "${dir}/cni/conf"
`;
}

/** Our CNI plugin under both names CRI calls: the pod network and the loopback network. */
function installCni(dir: string): void {
  mkdirSync(join(dir, 'cni/bin'), { recursive: true });
  mkdirSync(join(dir, 'cni/conf'), { recursive: true });
  for (const name of ['nsinspect-testnet', 'loopback']) copyFileSync(join(HERE, 'cni-plugin.sh'), join(dir, 'cni/bin', name));
  for (const name of ['nsinspect-testnet', 'loopback']) chmodSync(join(dir, 'cni/bin', name), 0o755);
  writeFileSync(
    join(dir, 'cni/conf/10-nsinspect-testnet.conflist'),
    JSON.stringify({ cniVersion: '0.4.0', name: 'nsinspect-testnet', plugins: [{ type: 'nsinspect-testnet' }] }),
  );
}

async function waitForSocket(path: string, child: ChildProcess, log: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`containerd exited with ${child.exitCode}: ${tail(log)}`);
    if (Date.now() > end) throw new Error(`containerd made no socket at ${path}: ${tail(log)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function tail(log: string): string {
  try {
    return readFileSync(log, 'utf8').split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** PIDs of processes whose argv mentions s (our private socket or dir): the shims this containerd started. */
export function pidsMentioning(s: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').some((a) => a.includes(s))) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out.filter((p) => p !== process.pid);
}

/**
 * The socket a containerd-shim-runc-v2 listens on, from its argv: containerd 1.6 names it
 * /run/containerd/s/sha256(<containerd address>/<namespace>/<id>) whatever its config says, and a
 * killed shim leaves it behind.
 */
function shimSocket(pid: number): string | undefined {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
  if (!argv[0]?.includes('containerd-shim')) return undefined;
  const arg = (name: string) => argv[argv.indexOf(name) + 1];
  const [ns, id, address] = [arg('-namespace'), arg('-id'), arg('-address')];
  if (!ns || !id || !address || argv.indexOf('-id') < 0) return undefined;
  return `/run/containerd/s/${createHash('sha256').update(join(address, ns, id)).digest('hex')}`;
}

/** Unmounts, deepest first, whatever is still mounted under dir (rootfs overlays, sandbox shm). */
export async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await execa('umount', ['-l', p], { reject: false });
}

/**
 * Paths containerd 1.6 uses whatever its config says: shim sockets under /run/containerd/s, and the CRI's
 * pod netns files under /run/netns. Those that did not exist before start() are removed by stop(), when empty.
 */
const FIXED_DIRS = ['/run/containerd/s', '/run/containerd', '/run/netns'];

export class Containerd {
  private madeFixedDirs: string[] = [];
  readonly socket: string;
  readonly cri: CriClient;
  /** The test images as one tarball: `ctr images import` and `docker load` both read it. */
  imagesTar = '';
  /** How long start() took, images included (ms). */
  setupMs = 0;
  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.socket = join(dir, 'containerd.sock');
    this.cri = new CriClient(this.socket);
  }

  /** Starts containerd in dir (which must not exist) and imports the test images. Cleans up itself if that fails. */
  static async start(dir: string): Promise<Containerd> {
    const t0 = Date.now();
    for (const bin of ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc']) {
      await execa('sh', ['-c', `command -v ${bin}`], { env: { PATH } }).catch(() => {
        throw new Error(`${bin} is missing: apt-get install containerd runc`);
      });
    }
    const madeFixedDirs = FIXED_DIRS.filter((d) => !existsSync(d));
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'containerd.log');
    let child: ChildProcess | undefined;
    let d: Containerd | undefined;
    try {
      installCni(dir);
      const tarball = await buildImages(join(dir, 'images'));
      writeFileSync(join(dir, 'config.toml'), configToml(dir, snapshotter()));
      const fd = openSync(log, 'a');
      child = spawn('containerd', ['--config', join(dir, 'config.toml'), '--log-level', 'info'], {
        stdio: ['ignore', fd, fd],
        env: { PATH, HOME: dir },
      });
      closeSync(fd);
      // The socket first, then the gRPC channel: a channel opened before the socket exists backs off for seconds.
      await waitForSocket(join(dir, 'containerd.sock'), child, log);
      d = new Containerd(dir, child);
      d.madeFixedDirs = madeFixedDirs;
      await execa('ctr', ['-a', d.socket, '-n', 'k8s.io', 'images', 'import', '--snapshotter', snapshotter(), tarball], { env: { PATH } });
      d.imagesTar = tarball;
      await d.cri.version();
      d.setupMs = Date.now() - t0;
      return d;
    } catch (e) {
      d?.cri.close();
      if (child) await stopChild(child);
      await sweepDir(dir);
      removeEmpty([...madeFixedDirs, dirname(dir)]);
      throw e;
    }
  }

  /** Stops containerd, then kills its leftover shims and removes its mounts and dir. Touches nothing else. */
  async stop(): Promise<void> {
    this.cri.close();
    await stopChild(this.child);
    await sweepDir(this.dir);
    // dir's parent (/run/nsinspect-cri) is every fixture's: the last one out removes it.
    removeEmpty([...this.madeFixedDirs, dirname(this.dir)]);
  }

  /** containerd's PID (tests kill it to check that cleanup survives a dead daemon). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The end of containerd's log, for failure messages. */
  logTail(): string {
    return tail(join(this.dir, 'containerd.log'));
  }
}

function removeEmpty(dirs: string[]): void {
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      // not empty: someone else uses it now
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Shims that outlived containerd (they mention our socket in argv), mounts under dir, then dir itself. */
async function sweepDir(dir: string): Promise<void> {
  // Containers first (runc kills them and removes their cgroups), so no process outlives its shim.
  const runcRoot = join(dir, 'runc');
  for (const ns of existsSync(runcRoot) ? readdirSync(runcRoot) : []) {
    const root = join(runcRoot, ns);
    const { stdout } = await execa('runc', ['--root', root, 'list', '-q'], { reject: false, env: { PATH } });
    for (const id of stdout.split('\n').filter(Boolean)) await execa('runc', ['--root', root, 'delete', '--force', id], { reject: false, env: { PATH } });
  }
  for (const pid of pidsMentioning(dir)) {
    const socket = shimSocket(pid);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    if (socket) rmSync(socket, { force: true });
  }
  await unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}
