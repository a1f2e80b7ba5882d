// The engine's entry points: resolve refs to processes, then diff, ns, ps, whois and lsns.
import type { Container, ContainerID, NsSet, NsType, NsUnreadable, Runtime } from './model/types.js';
import { NsinspectError } from './errors.js';
import { CLOCK_TICKS, readBootTime, readNamespaces, readProcess, readStat, readStatus } from './procfs/proc.js';
import { ContainerIndex, containerOfPid } from './discovery/containers.js';
import { type LocalRef } from './discovery/refs.js';
import { type PodMember, findSandbox, podMembers } from './discovery/sandbox.js';
import { hostNamespaces } from './discovery/host.js';
import { inventory } from './discovery/inventory.js';
import { ownerOfPid, pidNsMembers } from './discovery/pidns-members.js';
import { diffNamespaces } from './analysis/diff.js';
import { findings } from './analysis/findings.js';
import { accessOf, accessSummary } from './access.js';
import type { AccessJSON } from './wire/access.js';
import type { DiffJSON, LsnsJSON, NsItemJSON, NsListJSON, PsJSON, PsRowJSON, SubjectJSON, WhoisJSON } from './wire/local.js';

/** A ref resolved to a live process: the container's init process, or the PID itself. */
export interface Subject {
  ref: string;
  pid: number;
  /** Start time in clock ticks: with pid, the identity that guards against PID reuse. */
  startTime: number;
  containerID?: ContainerID;
  podUID?: string;
  runtime?: Runtime;
  container?: Container;
  namespaces: NsSet;
  unreadable?: NsUnreadable;
}

export class Engine {
  readonly index = new ContainerIndex();

  /** Resolves a node-local ref. NOT_FOUND, AMBIGUOUS or NOT_RUNNING when it cannot. */
  subject(ref: LocalRef): Subject {
    if (ref.kind === 'container') return this.containerSubject(ref.prefix, ref.text);
    return this.pidSubject(ref.pid, ref.text);
  }

  pidSubject(pid: number, ref = `pid/${pid}`): Subject {
    const st = readStat(pid);
    if (!st) throw new NsinspectError('NOT_FOUND', `no process ${pid} on this node`, { hint: 'it may have exited; list processes with `ps -e`' });
    const s: Subject = { ref, pid, startTime: st.startTime, namespaces: {} };
    const owner = containerOfPid(pid);
    if (owner) Object.assign(s, { containerID: owner.containerID, runtime: owner.runtime, ...(owner.podUID ? { podUID: owner.podUID } : {}) });
    return this.withNamespaces(s);
  }

  containerSubject(prefix: string, ref = `container/${prefix}`): Subject {
    const c = this.index.container(prefix);
    const pid = c.initPid as number;
    const st = readStat(pid);
    if (!st) throw new NsinspectError('NOT_RUNNING', `container ${c.containerID.slice(0, 12)} exited while being read`, { hint: 'try again, or check it with `crictl ps -a`' });
    const s: Subject = { ref, pid, startTime: st.startTime, containerID: c.containerID, runtime: c.runtime, container: c, namespaces: {} };
    if (c.podUID) s.podUID = c.podUID;
    return this.withNamespaces(s);
  }

  private withNamespaces(s: Subject): Subject {
    const r = readNamespaces(s.pid);
    s.namespaces = r.namespaces;
    if (r.unreadable) s.unreadable = r.unreadable;
    return s;
  }

  /** The sandbox of a pod, found from its cgroup alone; exclude lists known app containers. */
  sandboxOf(podUID: string, exclude?: ReadonlySet<string>, maxAgeMs = 0): PodMember | undefined {
    return findSandbox(podMembers(this.index.podContainers(podUID, maxAgeMs)), exclude);
  }

  /**
   * names: how the findings call the two sides (container names in a pod); default their IDs.
   * sandbox: the pod's sandbox namespaces when the caller already has them (the pod view).
   */
  diff(target: Subject, dbg: Subject, names?: { target: string; debugger: string }, sandboxNs?: NsSet): DiffJSON {
    const host = hostNamespaces();
    const samePod = target.podUID !== undefined && target.podUID === dbg.podUID;
    const sandbox = sandboxNs ?? (samePod ? this.sandboxOf(target.podUID as string)?.namespaces : undefined);
    const d = diffNamespaces(target.namespaces, dbg.namespaces, { host, sandbox });
    const nspid = readStatus(target.pid)?.nspid ?? [];
    return {
      target: subjectJSON(target),
      debugger: subjectJSON(dbg),
      ...d,
      findings: findings({
        target: target.namespaces,
        debugger: dbg.namespaces,
        host,
        sandbox,
        targetPid: target.pid,
        targetInnerPid: nspid.at(-1) ?? target.pid,
        targetName: names?.target ?? nameOf(target),
        debuggerName: names?.debugger ?? nameOf(dbg),
        ...(target.runtime === 'docker' && !target.podUID && target.containerID ? { docker: { targetID: target.containerID } } : {}),
      }),
      access: accessSummary(target, dbg),
    };
  }

  /** Both sides' privileges, the node's Yama and perf settings, and every op's verdict with its walk. */
  access(target: Subject, dbg: Subject): AccessJSON {
    return accessOf(target, dbg, subjectJSON);
  }

  ns(subjects: Subject[]): NsListJSON {
    return {
      items: subjects.map((s) => {
        const item: NsItemJSON = { ...subjectJSON(s), namespaces: s.namespaces };
        if (s.unreadable) item.unreadable = s.unreadable;
        return item;
      }),
    };
  }

  /**
   * Host-side ps of the subject's pid namespace: its exact members (one readlink per pid over
   * /proc), whatever cgroup they sit in, each attributed to its container, to the node, or to
   * the host that entered it (nsenter, nsinspect exec).
   */
  ps(s: Subject): PsJSON {
    const pidns = s.namespaces.pid;
    if (pidns === undefined) throw new NsinspectError('UNAVAILABLE', `cannot read the pid namespace of ${s.ref} (${s.unreadable ?? 'unknown'})`, { hint: 'run as root with CAP_SYS_PTRACE' });
    const inHost = hostNamespaces().pid === pidns;
    const boot = readBootTime();
    const rows: PsRowJSON[] = [];
    for (const pid of pidNsMembers(pidns)) {
      const p = readProcess(pid);
      if (!p) continue;
      const owner = ownerOfPid(pid, inHost);
      const row: PsRowJSON = {
        pid: p.pid,
        nspid: p.nspid.at(-1) ?? p.pid,
        ppid: p.ppid,
        uid: p.uid,
        startTime: new Date((boot + p.startTime / CLOCK_TICKS) * 1000).toISOString(),
        command: p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`,
        owner,
      };
      if (owner.kind === 'container') row.containerID = owner.containerID;
      rows.push(row);
    }
    return { processes: rows };
  }

  whois(pid: number): WhoisJSON {
    const s = this.pidSubject(pid);
    const out: WhoisJSON = { pid, namespaces: s.namespaces };
    if (s.containerID) out.containerID = s.containerID;
    if (s.podUID) out.podUID = s.podUID;
    if (s.runtime) out.runtime = s.runtime;
    if (s.unreadable) out.unreadable = s.unreadable;
    return out;
  }

  lsns(types?: readonly NsType[]): LsnsJSON {
    return { namespaces: inventory(this.index, types) };
  }
}

export function subjectJSON(s: Subject): SubjectJSON {
  const j: SubjectJSON = { ref: s.ref, pid: s.pid };
  if (s.containerID) j.containerID = s.containerID;
  if (s.podUID) j.podUID = s.podUID;
  return j;
}

function nameOf(s: Subject): string {
  return s.containerID ? `container ${s.containerID.slice(0, 12)}` : `pid ${s.pid}`;
}

/** Every running container on the node, resolved; containers that exit mid-listing are skipped. */
export function runningContainers(engine: Engine): Subject[] {
  const out: Subject[] = [];
  for (const e of engine.index.all()) {
    try {
      out.push(engine.containerSubject(e.containerID));
    } catch (err) {
      if (!(err instanceof NsinspectError) || (err.code !== 'NOT_RUNNING' && err.code !== 'NOT_FOUND')) throw err;
    }
  }
  return out;
}
