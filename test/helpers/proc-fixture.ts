// Fixture /proc trees for tests without root: processes, namespace links, mountinfo and a cgroup tree, as the kernel lays them out.
//
// A fixture is a temporary directory holding proc/ (what the engine is given as its procfs root)
// and sys/fs/cgroup/ (where proc/self/mountinfo says the cgroup hierarchies are mounted). Namespace
// links are symlinks with the kernel's target text ("net:[4026531840]"): readlink is all procfs
// reads of them, so they may dangle.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NsSet, NsType } from '../../agent/model/types.js';
import { NS_TYPES } from '../../agent/model/types.js';

/** The initial namespaces' inodes as a 6.x kernel numbers them. */
export const HOST_NS: Required<NsSet> = { cgroup: 4026531835, ipc: 4026531839, mnt: 4026531841, net: 4026531840, pid: 4026531836, time: 4026531834, user: 4026531837, uts: 4026531838 };

/** cgroup v2 (one unified hierarchy), or v1 (name=systemd, pids, memory and cpu,cpuacct hierarchies). */
export type CgroupLayout = 'v2' | 'v1';

export interface FakeProcess {
  pid: number;
  ppid?: number;
  comm?: string;
  /** argv; [] for a kernel thread (an empty cmdline file). Default [comm]. */
  cmdline?: string[];
  uid?: number;
  /** Start time in clock ticks since boot. Default: pid, so a lower pid started earlier. */
  start?: number;
  /** NSpid, outermost first. Default [pid]. */
  nspid?: number[];
  /** Namespaces differing from the host's; a type set to null has no link (the kernel lacks it). */
  ns?: { [T in NsType]?: number | null };
  /** The cgroup path (the same in every hierarchy). Default "/", the root cgroup. */
  cgroup?: string;
}

/** Where a kubelet's runtime puts a container's cgroup, by runtime and cgroup driver. */
export function containerCgroup(o: { runtime: 'containerd' | 'cri-o'; driver: 'systemd' | 'cgroupfs'; podUID: string; qos?: 'burstable' | 'besteffort'; id: string }): string {
  if (o.driver === 'cgroupfs') {
    const name = o.runtime === 'cri-o' ? `crio-${o.id}` : o.id;
    return ['/kubepods', ...(o.qos ? [o.qos] : []), `pod${o.podUID}`, name].join('/');
  }
  const qos = o.qos ? `-${o.qos}` : '';
  const pod = `kubepods${qos}-pod${o.podUID.replaceAll('-', '_')}.slice`;
  const name = o.runtime === 'cri-o' ? `crio-${o.id}.scope` : `cri-containerd-${o.id}.scope`;
  return ['/kubepods.slice', ...(o.qos ? [`kubepods${qos}.slice`] : []), pod, name].join('/');
}

const V1_HIERARCHIES: Array<{ id: number; dir: string; options: string }> = [
  { id: 1, dir: 'systemd', options: 'rw,xattr,name=systemd' },
  { id: 4, dir: 'cpu,cpuacct', options: 'rw,cpu,cpuacct' },
  { id: 7, dir: 'memory', options: 'rw,memory' },
  { id: 9, dir: 'pids', options: 'rw,pids' },
];

export class ProcFixture {
  /** The procfs root to hand to the engine. */
  readonly proc: string;
  /** Where the cgroup hierarchies are mounted: the unified one (v2) or the directory holding the v1 ones. */
  readonly cgroupRoot: string;
  private readonly pids = new Map<number, FakeProcess>();

  /** Makes an empty tree in a new temporary directory; remove() deletes it. */
  constructor(readonly layout: CgroupLayout, readonly dir = mkdtempSync(join(tmpdir(), 'nsinspect-proc-'))) {
    this.proc = join(dir, 'proc');
    this.cgroupRoot = join(dir, 'sys/fs/cgroup');
    mkdirSync(join(this.proc, 'self'), { recursive: true });
    mkdirSync(join(this.proc, 'sys/kernel'), { recursive: true });
    writeFileSync(join(this.proc, 'stat'), 'cpu  1 2 3 4 5 6 7 0 0 0\nbtime 1767225600\nprocesses 1000\nprocs_running 1\n');
    writeFileSync(join(this.proc, 'sys/kernel/pid_max'), '4194304\n');
    writeFileSync(join(this.proc, 'sys/kernel/perf_event_paranoid'), '2\n');
    writeFileSync(join(this.proc, 'self/mountinfo'), this.mountinfo());
    for (const h of this.hierarchies()) this.mkCgroup(h, '/');
  }

  /** The mountinfo line of each cgroup hierarchy, after a few other mounts (which the parser must skip). */
  private mountinfo(): string {
    const lines = [
      '22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw',
      '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
      `24 22 0:22 / ${join(this.dir, 'sys')} rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw`,
    ];
    if (this.layout === 'v2') {
      lines.push(`30 24 0:26 / ${this.cgroupRoot} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`);
    } else {
      lines.push(`29 24 0:25 / ${this.cgroupRoot} ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755`);
      for (const [i, h] of V1_HIERARCHIES.entries()) lines.push(`${31 + i} 29 0:${27 + i} / ${join(this.cgroupRoot, h.dir)} rw,nosuid,nodev,noexec,relatime shared:${5 + i} - cgroup cgroup ${h.options}`);
    }
    return lines.join('\n') + '\n';
  }

  /** The mount point of each hierarchy a process's cgroup is written in. */
  hierarchies(): string[] {
    return this.layout === 'v2' ? [this.cgroupRoot] : V1_HIERARCHIES.map((h) => join(this.cgroupRoot, h.dir));
  }

  /** A cgroup directory with its ancestors, each with an (empty) cgroup.procs as cgroupfs has. */
  private mkCgroup(mount: string, path: string): string {
    let dir = mount;
    for (const part of ['', ...path.split('/').filter(Boolean)]) {
      dir = join(dir, part);
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, 'cgroup.procs'), '');
    }
    return dir;
  }

  /** An empty cgroup (a container that exited, CRI-O's conmon scope, a slice), in every hierarchy. */
  cgroup(path: string): this {
    for (const h of this.hierarchies()) this.mkCgroup(h, path);
    return this;
  }

  /** Writes <pid>/{stat,status,cmdline,cgroup,uid_map,gid_map}, its ns links, and adds it to its cgroup.procs. */
  process(p: FakeProcess): this {
    const comm = p.comm ?? 'sleep';
    const ppid = p.ppid ?? 1;
    const uid = p.uid ?? 0;
    const start = p.start ?? p.pid;
    const nspid = p.nspid ?? [p.pid];
    const cgroup = p.cgroup ?? '/';
    const dir = join(this.proc, String(p.pid));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'ns'), { recursive: true });
    writeFileSync(join(dir, 'stat'), `${p.pid} (${comm}) S ${ppid} ${p.pid} ${p.pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0 0\n`);
    const ids = `${uid}\t${uid}\t${uid}\t${uid}`;
    writeFileSync(join(dir, 'status'), [
      `Name:\t${comm}`, 'State:\tS (sleeping)', `Tgid:\t${p.pid}`, `Pid:\t${p.pid}`, `PPid:\t${ppid}`,
      `Uid:\t${ids}`, `Gid:\t${ids}`, 'Groups:\t', `NStgid:\t${nspid.join('\t')}`, `NSpid:\t${nspid.join('\t')}`,
      'CapInh:\t0000000000000000', `CapPrm:\t${uid === 0 ? '000001ffffffffff' : '0000000000000000'}`, `CapEff:\t${uid === 0 ? '000001ffffffffff' : '0000000000000000'}`,
      'CapBnd:\t000001ffffffffff', 'CapAmb:\t0000000000000000', 'NoNewPrivs:\t0', 'Seccomp:\t0', 'Seccomp_filters:\t0', '',
    ].join('\n'));
    const argv = p.cmdline ?? [comm];
    writeFileSync(join(dir, 'cmdline'), argv.map((a) => `${a}\0`).join(''));
    writeFileSync(join(dir, 'uid_map'), '         0          0 4294967295\n');
    writeFileSync(join(dir, 'gid_map'), '         0          0 4294967295\n');
    const lines = this.layout === 'v2' ? [`0::${cgroup}`] : V1_HIERARCHIES.map((h) => `${h.id}:${h.options.replace(/^rw,(xattr,)?/, '')}:${cgroup}`).reverse();
    writeFileSync(join(dir, 'cgroup'), lines.join('\n') + '\n');
    for (const type of NS_TYPES) {
      const inode = p.ns?.[type] === undefined ? HOST_NS[type] : p.ns[type];
      if (inode !== null) symlinkSync(`${type}:[${inode}]`, join(dir, 'ns', type));
    }
    for (const h of this.hierarchies()) appendFileSync(join(this.mkCgroup(h, cgroup), 'cgroup.procs'), `${p.pid}\n`);
    this.pids.set(p.pid, p);
    return this;
  }

  /** The same pid changes in place (an exec, a setns, a setuid), or is replaced: its files are written again with the change. */
  change(pid: number, change: Partial<FakeProcess>): this {
    const p = this.pids.get(pid);
    if (!p) throw new Error(`fixture: no process ${pid} to change`);
    return this.exit(pid).process({ ...p, ...change, ns: { ...p.ns, ...change.ns } });
  }

  /** The process exits: its /proc directory goes, and so does its line in cgroup.procs. */
  exit(pid: number): this {
    const p = this.pids.get(pid);
    rmSync(join(this.proc, String(pid)), { recursive: true, force: true });
    this.pids.delete(pid);
    if (p) {
      for (const h of this.hierarchies()) {
        const file = join(h, p.cgroup ?? '/', 'cgroup.procs');
        const left = [...this.pids.values()].filter((q) => (q.cgroup ?? '/') === (p.cgroup ?? '/')).map((q) => `${q.pid}\n`);
        writeFileSync(file, left.join(''));
      }
    }
    return this;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fixture removed when the test ends, pass or fail. */
export function procFixture(t: { teardown: (fn: () => void) => void }, layout: CgroupLayout): ProcFixture {
  const fx = new ProcFixture(layout);
  t.teardown(() => fx.remove());
  return fx;
}
