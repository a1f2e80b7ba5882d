// Owns a small private "node" for start-up timings: its own pid namespace, /proc and cgroup view holding ~100 sleeping processes, so a node-local command sees a small node whatever else this machine runs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { onCleanup, onExit } from './run.js';

export interface SmallNode {
  /** The namespaces' pid 1 (a shell), as the host sees it. */
  pid: number;
  /** Processes its /proc lists. */
  procs: number;
  /** argv run inside it: its pid namespace, /proc and cgroup view (nsenter adds the same ~1 ms to every command). */
  argv(cmd: string[]): string[];
}

/** The host's cgroup v2 mount (pure v2: /sys/fs/cgroup; hybrid: /sys/fs/cgroup/unified), where our cgroup goes. */
function cgroup2Mount(): string {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.startsWith('cgroup2 ')) return pre?.split(' ')[4] ?? '';
  }
  throw new Error('small node: no cgroup2 mount (needs cgroup v2 or a hybrid host)');
}

/**
 * Starts `sleepers` sleeping processes under a shell that is pid 1 of a new pid namespace with its own
 * /proc, in a new cgroup of ours seen through a cgroup namespace (so the container index walks one
 * cgroup, not the host's). Killing pid 1 ends them all; the cgroup is removed at clean-up.
 */
export async function startSmallNode(sleepers: number): Promise<SmallNode> {
  const cg = `${cgroup2Mount()}/nsinspect-bench-cli-${randomBytes(4).toString('hex')}`;
  mkdirSync(cg);
  const inner = `umount -R -l /sys/fs/cgroup 2>/dev/null; mount -t cgroup2 none /sys/fs/cgroup || exit 1
i=0; while [ $i -lt ${sleepers} ]; do sleep 86400 & i=$((i+1)); done; echo ready; wait`;
  const holder = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec unshare --cgroup --pid --fork --mount-proc --mount sh -c '${inner}'`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pid1 = 0;
  const kill = (): void => {
    try {
      if (pid1) process.kill(pid1, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  onExit(kill);
  onCleanup(async () => {
    kill();
    if (holder.exitCode === null && holder.signalCode === null) await new Promise((r) => holder.once('exit', r));
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(cg);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100)); // the killed sleepers leave the cgroup a moment later
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    holder.once('exit', (code) => reject(new Error(`small node: unshare exited ${code} before it was ready`)));
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
  });
  pid1 = Number(readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(' ')[0]);
  const argv = (cmd: string[]): string[] => ['nsenter', '-t', String(pid1), '-p', '-m', '-C', ...cmd];
  const [cmd = '', ...rest] = argv(['ls', '/proc']);
  const procs = execFileSync(cmd, rest, { encoding: 'utf8' }).split('\n').filter((n) => /^\d+$/.test(n)).length;
  return { pid: pid1, procs, argv };
}
