// Runs real containers with runc and a busybox-static rootfs, for the demo, tests and benches.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** Namespace types as OCI spells them. */
type OciNs = 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup';

export interface ContainerSpec {
  /** 64-hex container ID, as a CRI runtime would make. */
  id: string;
  args: string[];
  /** Absolute cgroup path, literally as the runtime would create it. */
  cgroupsPath: string;
  /** Namespaces to join: type -> host PID whose namespace to enter. Others are new. */
  join?: Partial<Record<'net' | 'ipc' | 'uts' | 'pid', number>>;
  hostname?: string;
  /** Edits the generated OCI config before runc reads it (user, capabilities, seccomp, user namespace…). */
  customize?: (config: OciConfig) => void;
}

/** The OCI runtime config as JSON, for ContainerSpec.customize. */
export type OciConfig = Record<string, any>;

export interface RunningContainer {
  id: string;
  pid: number;
  cgroupsPath: string;
}

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'];
const OCI_OF = { net: 'network', ipc: 'ipc', uts: 'uts', pid: 'pid' } as const;

export function randomHex(n: number): string {
  const bytes = new Uint8Array(Math.ceil(n / 2));
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('hex').slice(0, n);
}

export function randomUUID(): string {
  return crypto.randomUUID();
}

/** A lab: one runc state root, one shared read-only rootfs, and everything to remove at the end. */
export class Lab {
  readonly dir: string;
  private readonly runcRoot: string;
  private readonly rootfs: string;
  private readonly started: string[] = [];
  private readonly createdCgroups = new Set<string>();

  constructor(name = `lab-${randomHex(8)}`) {
    this.dir = join('/run/nsinspect-lab', name);
    this.runcRoot = join(this.dir, 'runc');
    this.rootfs = join(this.dir, 'rootfs');
  }

  /** Checks the prerequisites and lays out the rootfs. Throws one clear line when something is missing. */
  async init(): Promise<this> {
    if (process.geteuid?.() !== 0) throw new Error('the lab needs root: it creates containers with runc');
    const busybox = BUSYBOX.find((p) => existsSync(p) && isStatic(p));
    if (!busybox) throw new Error('busybox-static is missing: apt-get install busybox-static');
    await execa('runc', ['--version']).catch(() => {
      throw new Error('runc is missing: apt-get install runc');
    });
    mkdirSync(join(this.rootfs, 'bin'), { recursive: true });
    for (const d of ['proc', 'dev', 'sys', 'tmp', 'etc']) mkdirSync(join(this.rootfs, d), { recursive: true });
    copyFileSync(busybox, join(this.rootfs, 'bin/busybox'));
    const { stdout } = await execa(busybox, ['--list']);
    for (const applet of stdout.split('\n')) {
      if (applet && applet !== 'busybox') symlinkSync('busybox', join(this.rootfs, 'bin', applet));
    }
    writeFileSync(join(this.rootfs, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    return this;
  }

  /** Starts a detached container; resolves once its init process runs. */
  async run(spec: ContainerSpec): Promise<RunningContainer> {
    const bundle = join(this.dir, 'bundles', spec.id);
    mkdirSync(bundle, { recursive: true });
    this.noteCgroups(spec.cgroupsPath);
    const config = ociConfig(spec, this.rootfs) as OciConfig;
    spec.customize?.(config);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const log = join(bundle, 'runc.stderr');
    this.started.push(spec.id);
    // Detached runc hands the container our stdio: ignore it, so nothing waits on a pipe;
    // runc's own errors go to --log.
    const r = await execa('runc', ['--root', this.runcRoot, '--log', log, 'run', '--detach', '--bundle', bundle, spec.id], {
      stdio: 'ignore', reject: false, timeout: 20_000,
    });
    if (r.exitCode !== 0) throw new Error(`runc run ${spec.id.slice(0, 12)} failed: ${lastLogLine(log)}`);
    const state = await execa('runc', ['--root', this.runcRoot, 'state', spec.id]);
    return { id: spec.id, pid: (JSON.parse(state.stdout) as { pid: number }).pid, cgroupsPath: spec.cgroupsPath };
  }

  /** Runs an extra process inside a container (like kubectl exec), detached. */
  async exec(id: string, args: string[]): Promise<void> {
    const log = join(this.dir, 'bundles', id, 'exec.stderr');
    const r = await execa('runc', ['--root', this.runcRoot, '--log', log, 'exec', '--detach', id, ...args], {
      stdio: 'ignore', reject: false, timeout: 20_000,
    });
    if (r.exitCode !== 0) throw new Error(`runc exec ${id.slice(0, 12)} failed: ${lastLogLine(log)}`);
  }

  /** Runs a process inside a container with the container's own process settings, and returns its output. */
  async execOutput(id: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await execa('runc', ['--root', this.runcRoot, 'exec', id, ...args], { reject: false, timeout: 20_000, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  async kill(id: string): Promise<void> {
    await execa('runc', ['--root', this.runcRoot, 'delete', '--force', id], { reject: false, timeout: 20_000 });
  }

  /** Removes every container, the cgroups the lab created, and its files. Safe to call twice. */
  async cleanup(): Promise<void> {
    for (const id of [...this.started].reverse()) await this.kill(id);
    this.started.length = 0;
    const mounts = cgroupMountPoints();
    for (const rel of [...this.createdCgroups].sort((a, b) => b.length - a.length)) {
      for (const m of mounts) removeCgroupTree(join(m, rel));
    }
    this.createdCgroups.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Records the ancestors of a cgroup path that do not exist yet, so cleanup removes only those. */
  private noteCgroups(path: string): void {
    const mounts = cgroupMountPoints();
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const rel = '/' + parts.slice(0, i).join('/');
      if (!mounts.some((m) => existsSync(join(m, rel)))) this.createdCgroups.add(rel);
    }
  }
}

/** rmdir a cgroup and its (empty) children, deepest first; ignores what is gone or busy. */
function removeCgroupTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) removeCgroupTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // Still has processes, or already gone.
  }
}

export function cgroupMountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    // Field 5 is the mount point (proc(5)); a line too short to have one is skipped.
    .flatMap((l) => l.split(' ').at(4) ?? []);
}

function isStatic(path: string): boolean {
  // A static ELF has no PT_INTERP; look for the interpreter path in the first 4 KiB.
  const head = readFileSync(path).subarray(0, 4096).toString('latin1');
  return !head.includes('ld-linux');
}

function ociConfig(spec: ContainerSpec, rootfs: string): object {
  const namespaces: Array<{ type: OciNs; path?: string }> = [{ type: 'mount' }, { type: 'cgroup' }];
  for (const t of ['pid', 'net', 'ipc', 'uts'] as const) {
    const pid = spec.join?.[t];
    namespaces.push(pid === undefined ? { type: OCI_OF[t] } : { type: OCI_OF[t], path: `/proc/${pid}/ns/${t}` });
  }
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: spec.args,
      env: ['PATH=/bin', 'HOME=/'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    ...(spec.hostname && spec.join?.uts === undefined ? { hostname: spec.hostname } : {}),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=16m'] },
    ],
    linux: {
      cgroupsPath: spec.cgroupsPath,
      namespaces,
      maskedPaths: ['/proc/kcore', '/proc/keys'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The last message of a runc --log file (JSON lines), for one-line errors. */
function lastLogLine(path: string): string {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : [];
  const last = lines.at(-1) ?? 'no log';
  try {
    return (JSON.parse(last) as { msg?: string }).msg ?? last;
  } catch {
    return last;
  }
}
