// Owns the benchmark's synthetic load: thousands of sleeping processes in uts+ipc namespaces, and their removal.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { procCount } from './machine.js';

const BUSYBOX = '/usr/bin/busybox';
/** New namespaces per group: `unshare -u -i` makes one uts and one ipc namespace. */
export const NS_PER_GROUP = 2;

/**
 * One group = one `busybox unshare -u -i` that execs a shell; the shell forks k-1 subshells
 * that block in `read` on fd 3 and waits for them. Forking without exec is ~3x cheaper than
 * starting `sleep`, and the shell reaps its own children (a container's PID 1 may reap orphans
 * only lazily). fd 3 is the read end of a pipe whose write end only the benchmark holds: when the
 * benchmark closes it or dies, every reader sees EOF and the tree unwinds by itself. TERM also
 * works: the shells trap it (subshells get the default action back) and keep waiting.
 * $1 = processes in this group, $2 = read timeout in seconds, the last-resort safety net.
 */
const GROUP = `if [ "$1" -le 1 ]; then read -t "$2" x <&3; exit 0; fi
trap : TERM
i=1; while [ "$i" -lt "$1" ]; do read -t "$2" x <&3 & i=$((i+1)); done
until wait; do :; done`;

/**
 * The launcher: keeps its stdin (the dead-man pipe) as fd 3, joins the load's cgroup, then
 * starts its groups in the background (until TERM) and waits. $1 cgroup.procs path, $2 groups,
 * $3 processes per group, $4 groups that get one more, $5 timeout seconds, $6 the group script.
 */
const LAUNCHER = `trap 'stop=1' TERM
exec 3<&0
echo $$ > "$1"
i=0; while [ "$i" -lt "$2" ] && [ -z "$stop" ]; do
  k=$3; if [ "$i" -lt "$4" ]; then k=$(($3+1)); fi
  ${BUSYBOX} unshare -u -i ${BUSYBOX} sh -c "$6" group "$k" "$5" &
  i=$((i+1))
done
until wait; do :; done`;

export interface LoadSpec {
  procs: number;
  namespaces: number;
  /** Parallel launcher shells: one per core is plenty. */
  launchers: number;
  /** Every load process exits on its own after this long, should all cleanup fail. */
  timeoutSeconds: number;
}

export interface LoadInfo {
  procs: number;
  groups: number;
  newNamespaces: number;
  launchers: number;
  spawnMs: number;
  cgroup: string;
}

/** The v1 pids hierarchy, else the v2 mount: where the load's cgroup goes, to count and kill it. */
function cgroupRoot(): string {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' '));
  const v1 = mounts.find((f) => f.includes('cgroup') && f.at(-1)?.split(',').includes('pids'));
  const v2 = mounts.find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
  const root = v1?.[4] ?? v2?.[4];
  if (!root) throw new Error('no pids cgroup hierarchy and no cgroup2 mount: cannot contain the load');
  return root;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running load. stop() is idempotent; stopNow() is the synchronous last resort for exit handlers. */
export class Load {
  private readonly kids: ChildProcess[] = [];
  private readonly exited = new Set<ChildProcess>();
  private stderr = '';
  private stopping?: Promise<number>;
  readonly cgroup: string;
  info?: LoadInfo;

  constructor(readonly spec: LoadSpec) {
    this.cgroup = `${cgroupRoot()}/nsinspect-bench-${randomBytes(4).toString('hex')}`;
  }

  /** PIDs in the load's cgroup (launchers included). */
  members(): number[] {
    try {
      return readFileSync(`${this.cgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Starts the launchers and resolves once the load's cgroup holds every process and /proc shows them. */
  async start(timeoutMs = 300_000): Promise<LoadInfo> {
    const { procs, namespaces, launchers, timeoutSeconds } = this.spec;
    const groups = Math.max(1, Math.min(procs, Math.round(namespaces / NS_PER_GROUP)));
    mkdirSync(this.cgroup);
    try {
      writeFileSync(`${this.cgroup}/pids.max`, String(procs + launchers + 100));
    } catch {
      // No pids controller on this mount (cgroup2 without it delegated): the count still works.
    }
    const t0 = performance.now();
    for (let j = 0; j < launchers; j++) {
      // Split groups, then processes, as evenly as integers allow.
      const g = Math.floor(groups / launchers) + (j < groups % launchers ? 1 : 0);
      if (g === 0) continue;
      const p = Math.floor(procs / launchers) + (j < procs % launchers ? 1 : 0);
      const args = ['sh', '-c', LAUNCHER, 'launcher', `${this.cgroup}/cgroup.procs`, String(g), String(Math.floor(p / g)), String(p % g), String(timeoutSeconds), GROUP];
      // detached: its own session and process group, so we can signal the whole tree at once.
      const kid = spawn(BUSYBOX, args, { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
      kid.stdin?.on('error', () => {});
      kid.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
      kid.on('exit', () => this.exited.add(kid));
      this.kids.push(kid);
    }
    const want = procs + this.kids.length;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const inGroup = this.members().length;
      // Others may start or end processes meanwhile: the cgroup is the exact count, /proc a check.
      if (inGroup >= want && procCount() >= want) break;
      if (this.exited.size > 0) throw new Error(`a load launcher exited early (${inGroup}/${want} processes up): ${this.stderr.trim() || 'no stderr'}`);
      if (Date.now() > deadline) throw new Error(`load not up after ${timeoutMs / 1000}s: ${inGroup}/${want} processes; ${this.stderr.trim()}`);
      await sleep(250);
    }
    this.info = { procs, groups, newNamespaces: groups * NS_PER_GROUP, launchers: this.kids.length, spawnMs: performance.now() - t0, cgroup: this.cgroup };
    return this.info;
  }

  private signalGroups(sig: NodeJS.Signals): void {
    for (const kid of this.kids) {
      if (kid.pid === undefined) continue;
      try {
        process.kill(-kid.pid, sig);
      } catch {
        // The group is already gone.
      }
    }
  }

  /** Synchronous: TERM every process group and close the dead-man pipe; the tree then unwinds itself. */
  stopNow(): void {
    this.signalGroups('SIGTERM');
    for (const kid of this.kids) kid.stdin?.destroy();
  }

  /** TERMs the process groups, waits for the tree to unwind, KILLs stragglers; resolves with ms taken. */
  stop(timeoutMs = 120_000): Promise<number> {
    this.stopping ??= (async () => {
      const t0 = performance.now();
      this.stopNow();
      const deadline = Date.now() + timeoutMs;
      while ((this.exited.size < this.kids.length || this.members().length > 0) && Date.now() < deadline) await sleep(50);
      if (this.members().length > 0) {
        // Something ignored TERM or left its group: KILL the groups and every member by PID.
        this.signalGroups('SIGKILL');
        for (const pid of this.members()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Gone.
          }
        }
        for (let i = 0; i < 200 && this.members().length > 0; i++) await sleep(50);
      }
      for (let i = 0; i < 100; i++) {
        try {
          rmdirSync(this.cgroup);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          await sleep(50);
        }
      }
      const left = this.members().length;
      if (left > 0) throw new Error(`${left} load processes survived cleanup in ${this.cgroup}`);
      return performance.now() - t0;
    })();
    return this.stopping;
  }
}
