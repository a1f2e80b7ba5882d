// The engine's entry points: resolve refs to processes, then diff, ps, lsns and access, as plain values.
import type { Container, ContainerID, NsSet, NsType } from '../model/types.js';
import type { AccessReport, Diff, LsnsRow, PsRow, Subject } from '../model/answers.js';
import { NsinspectError } from '../model/errors.js';
import { NS_TYPES } from '../model/types.js';
import { readNamespaces, readStat, readStatus } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';
import { ContainerIndex, type IndexEntry, containerOfPid } from '../discovery/containers.js';
import type { LocalRef } from '../model/formats.js';
import { type PodMember, findSandbox } from '../discovery/sandbox.js';
import { hostNamespaces } from '../discovery/host.js';
import { inventoryWithOwners } from '../discovery/inventory.js';
import { diffNamespaces } from '../analysis/diff.js';
import { findings } from '../analysis/findings.js';
import { accessOf, accessSummary } from './access-of.js';
import { type LayerSpecs, layersOf } from './layers-of.js';
import { psRows } from './ps.js';
import type { PodSecurity } from '../model/access.js';
import type { ExitRecord, RecordRoots, RuntimeRecord } from '../model/records.js';
import { defaultRoots } from '../discovery/records.js';
import { containerOfPod, recordName, recordNames, recordedTarget } from '../discovery/pod-records.js';
import { ContainerRecords } from './container-records.js';

export type { Subject };

export class Engine {
  readonly index: ContainerIndex;
  private readonly records: ContainerRecords;

  /**
   * roots: where the runtimes keep their records (a kubelet node's defaults, or NSINSPECT_* env).
   * proc: where procfs is mounted (/proc, or NSINSPECT_PROC; a fixture tree in tests).
   */
  constructor(readonly roots: RecordRoots = defaultRoots(), readonly proc: string = procRootFromEnv()) {
    this.index = new ContainerIndex(proc);
    this.records = new ContainerRecords(this.index, roots, proc);
  }

  /** Resolves a node-local ref. NOT_FOUND, AMBIGUOUS or NOT_RUNNING when it cannot. */
  subject(ref: LocalRef): Subject {
    if (ref.kind === 'container') return this.containerSubject(ref.prefix, ref.text);
    return this.pidSubject(ref.pid, ref.text);
  }

  pidSubject(pid: number, ref = `pid/${pid}`): Subject {
    const st = readStat(pid, this.proc);
    if (!st) throw new NsinspectError('NOT_FOUND', `no process ${pid} on this node`, { hint: 'it may have exited; list processes with `ps -e`' });
    const s: Subject = { ref, pid, startTime: st.startTime, namespaces: {} };
    const owner = containerOfPid(pid, this.proc);
    if (owner) Object.assign(s, { containerID: owner.containerID, runtime: owner.runtime, ...(owner.podUID ? { podUID: owner.podUID } : {}) });
    if (owner) this.withRecord(s, false);
    return this.withNamespaces(s);
  }

  containerSubject(prefix: string, ref = `container/${prefix}`): Subject {
    const c = this.runningOrExited(prefix);
    const pid = c.initPid;
    const st = pid === undefined ? undefined : readStat(pid, this.proc);
    if (pid === undefined || !st) throw new NsinspectError('NOT_RUNNING', `container ${c.containerID.slice(0, 12)} exited while being read`, { hint: 'try again, or check it with `crictl ps -a`' });
    const s: Subject = { ref, pid, startTime: st.startTime, containerID: c.containerID, runtime: c.runtime, container: c, namespaces: {} };
    if (c.podUID) s.podUID = c.podUID;
    this.withRecord(s, true);
    return this.withNamespaces(s);
  }

  /** The running container, or NOT_RUNNING saying it exited (and its code) when the CRI's records show it did. */
  private runningOrExited(prefix: string): Container {
    try {
      return this.index.container(prefix);
    } catch (err) {
      if (!(err instanceof NsinspectError) || err.code !== 'NOT_FOUND') throw err;
      const exit = this.exitOf(prefix);
      if (!exit) throw err;
      const at = exit.finishedAt ? ` at ${exit.finishedAt.toISOString()}` : '';
      throw new NsinspectError('NOT_RUNNING', `container ${exit.containerID.slice(0, 12)} exited with code ${exit.exitCode}${at}`, {
        hint: `its namespaces went with it; see its logs with \`crictl logs ${exit.containerID.slice(0, 12)}\``,
        details: { exitCode: exit.exitCode },
      });
    }
  }

  /** What the CRI's records keep of an exited container (container-records.ts). */
  exitOf(prefix: string): ExitRecord | undefined {
    return this.records.exitOf(prefix);
  }

  /** The runtime's record of the subject's container; a record that cannot be read leaves the answer as it was. isInit: s is its init (pid and start time read). */
  private withRecord(s: Subject, isInit: boolean): void {
    // Not the init (pidSubject): records.of finds its container's init and keys the cache by that.
    const r = s.containerID ? this.records.of(s.containerID, isInit ? s : undefined) : undefined;
    if (r) s.record = r;
  }

  /** Every running container of a pod (the sandbox first), from the runtime's records alone: no API server. */
  podSubjects(namespace: string, name: string): Subject[] {
    const out: Subject[] = [];
    for (const r of this.records.ofPod(namespace, name)) {
      try {
        out.push(this.containerSubject(r.containerID, `${namespace}/${name}/${r.kind === 'sandbox' ? '(sandbox)' : r.containerName ?? r.containerID.slice(0, 12)}`));
      } catch (err) {
        if (!(err instanceof NsinspectError) || (err.code !== 'NOT_RUNNING' && err.code !== 'NOT_FOUND')) throw err;
      }
    }
    return out;
  }

  /** A pod's container by name (or its only one), from the runtime's records. */
  podSubject(namespace: string, name: string, container?: string): Subject {
    const r = containerOfPod(this.records.ofPod(namespace, name), container);
    return this.containerSubject(r.containerID, `${namespace}/${name}/${r.containerName ?? r.containerID.slice(0, 12)}`);
  }

  /**
   * diff of a pod's debugger with its target, node-local. The target: the one named, else the
   * container whose pid namespace the runtime was told to join (TARGET), else the only other one.
   */
  podDiff(namespace: string, name: string, debuggerName: string, targetName?: string): Diff {
    const p = this.podPair(namespace, name, debuggerName, targetName);
    return this.diff(p.target, p.debugger);
  }

  /** A pod's debugger and its target (as podDiff picks it), node-local. */
  podPair(namespace: string, name: string, debuggerName: string, targetName?: string): { target: Subject; debugger: Subject } {
    const pod = this.records.ofPod(namespace, name);
    const dbg = containerOfPod(pod, debuggerName);
    let target: RuntimeRecord | undefined = targetName === undefined ? undefined : containerOfPod(pod, targetName);
    target ??= recordedTarget(pod, dbg, (id) => this.records.initPidOf(id));
    target ??= containerOfPod(pod.filter((r) => r !== dbg));
    const ref = (r: RuntimeRecord) => `${namespace}/${name}/${r.containerName ?? r.containerID.slice(0, 12)}`;
    return { target: this.containerSubject(target.containerID, ref(target)), debugger: this.containerSubject(dbg.containerID, ref(dbg)) };
  }

  /** The sandbox named in the subject's record (its sandbox-id), exactly; undefined when there is no record or it is not running. */
  recordedSandbox(s: Subject): NsSet | undefined {
    const id = s.record?.sandboxID;
    if (!id) return undefined;
    if (id === s.containerID) return s.namespaces;
    try {
      return this.containerSubject(id).namespaces;
    } catch {
      return undefined;
    }
  }

  private withNamespaces(s: Subject): Subject {
    const r = readNamespaces(s.pid, NS_TYPES, this.proc);
    s.namespaces = r.namespaces;
    if (r.unreadable) s.unreadable = r.unreadable;
    return s;
  }

  /** The sandbox of a pod, found from its cgroup alone; exclude lists known app containers. */
  sandboxOf(podUID: string, exclude: ReadonlySet<string> = new Set(), maxAgeMs = 0): { container: Container; namespaces: NsSet } | undefined {
    const s = this.sandboxSubject(podUID, exclude, maxAgeMs, []);
    return s?.container ? { container: s.container, namespaces: s.namespaces } : undefined;
  }

  /**
   * The pod's sandbox, as a subject: the member its runtime record calls the sandbox, else
   * findSandbox's heuristic. known: subjects the caller just resolved for containers in exclude
   * (the pod view's): their namespaces and records are taken as read, not read again.
   *
   * With maxAgeMs > 0, the containers of the last cgroup walk are tried first, however old: the
   * walk costs milliseconds on a busy node, and a stale one can only lack the sandbox, not name
   * a wrong one (a member that stopped fails its read; a recreated sandbox comes with its pod's
   * containers all stopped). Only a pod whose sandbox it lacks waits for a walk of at most
   * maxAgeMs.
   */
  sandboxSubject(podUID: string, exclude: ReadonlySet<string>, maxAgeMs: number, known: readonly Subject[]): Subject | undefined {
    const reuse = new Map(known.flatMap((s) => (s.containerID && s.container && exclude.has(s.containerID) ? [[s.containerID, s] as const] : [])));
    if (maxAgeMs > 0) {
      const found = this.sandboxAmong(this.index.all(Infinity), podUID, exclude, reuse);
      if (found || this.index.ageMs() < maxAgeMs) return found;
    }
    return this.sandboxAmong(this.index.all(maxAgeMs), podUID, exclude, reuse);
  }

  private sandboxAmong(entries: readonly IndexEntry[], podUID: string, exclude: ReadonlySet<string>, reuse: ReadonlyMap<ContainerID, Subject>): Subject | undefined {
    const members: Array<PodMember & { subject: Subject }> = [];
    for (const e of entries) {
      if (e.podUID !== podUID) continue;
      const s = reuse.get(e.containerID);
      // An excluded member's comm is never looked at (findSandbox checks `pause` among candidates only).
      const m = s?.container ? { subject: s, container: s.container, namespaces: s.namespaces, comm: '', startTime: s.startTime } : this.memberOf(e.containerID);
      if (m) members.push(m);
    }
    const read = new Set<ContainerID>(reuse.keys());
    const recordOfMember = (m: PodMember & { subject: Subject }): RuntimeRecord | undefined => {
      if (!read.has(m.container.containerID)) this.withRecord(m.subject, true);
      read.add(m.container.containerID);
      return m.subject.record;
    };
    let found = members.find((m) => recordOfMember(m)?.kind === 'sandbox');
    if (!found) {
      const guess = findSandbox(members, exclude);
      found = members.find((m) => m === guess);
    }
    if (!found) return undefined;
    recordOfMember(found);
    return found.subject;
  }

  /** A pod member as podMembers reads it, with the subject containerSubject would make of it (its record read when asked); undefined when not running. */
  private memberOf(id: ContainerID): (PodMember & { subject: Subject }) | undefined {
    let c: Container;
    try {
      c = this.index.container(id);
    } catch (err) {
      if (err instanceof NsinspectError && (err.code === 'NOT_FOUND' || err.code === 'NOT_RUNNING')) return undefined;
      throw err;
    }
    const st = c.initPid === undefined ? undefined : readStat(c.initPid, this.proc);
    if (c.initPid === undefined || !st) return undefined;
    const s: Subject = { ref: `container/${id}`, pid: c.initPid, startTime: st.startTime, containerID: c.containerID, runtime: c.runtime, container: c, namespaces: {} };
    if (c.podUID) s.podUID = c.podUID;
    this.withNamespaces(s);
    return { subject: s, container: c, namespaces: s.namespaces, comm: st.comm, startTime: st.startTime };
  }

  /**
   * names: how the findings call the two sides (container names in a pod); default their IDs.
   * sandbox: the pod's sandbox namespaces when the caller already has them (the pod view).
   * specs: what the pod spec asks of each side, when the API gave it (the pod view); for `layers`.
   */
  diff(target: Subject, dbg: Subject, names?: { target: string; debugger: string }, sandboxNs?: NsSet, specs?: LayerSpecs, podSecurity?: PodSecurity): Diff {
    const host = hostNamespaces(this.proc);
    const samePod = target.podUID !== undefined && target.podUID === dbg.podUID;
    const recorded = samePod ? this.recordedSandbox(target) : undefined;
    const sandbox = sandboxNs ?? recorded ?? (samePod && !target.record?.sandboxID ? this.sandboxOf(target.podUID as string)?.namespaces : undefined);
    const d = diffNamespaces(target.namespaces, dbg.namespaces, { host, sandbox });
    const nspid = readStatus(target.pid, this.proc)?.nspid ?? [];
    const who = { target: names?.target ?? nameOf(target), debugger: names?.debugger ?? nameOf(dbg) };
    return {
      target,
      debugger: dbg,
      ...d,
      findings: findings({
        target: target.namespaces,
        debugger: dbg.namespaces,
        host,
        sandbox,
        targetPid: target.pid,
        targetInnerPid: nspid.at(-1) ?? target.pid,
        targetName: who.target,
        debuggerName: who.debugger,
        ...(target.runtime === 'docker' && !target.podUID && target.containerID ? { docker: { targetID: target.containerID } } : {}),
      }),
      access: accessSummary(target, dbg, podSecurity, this.proc),
      layers: layersOf(target, dbg, who, { host, sandbox }, specs, this.proc),
    };
  }

  /** Both sides' privileges, the node's Yama and perf settings, and every op's verdict with its walk. */
  access(target: Subject, dbg: Subject, podSecurity?: PodSecurity): AccessReport {
    return accessOf(target, dbg, podSecurity, this.proc);
  }

  /** Host-side ps of the subject's pid namespace (ps.ts), its containers' names through the record cache. */
  ps(s: Subject): PsRow[] {
    return psRows(s, this.index, (id) => this.records.of(id), this.proc);
  }

  /** Every namespace on the node, each with its container's names when the runtime's record says. */
  lsns(types?: readonly NsType[]): LsnsRow[] {
    // The inits of the containers that own rows lead to their records (their shims' bundle dirs).
    const { rows, inits } = inventoryWithOwners(this.index, types);
    if (rows.some((r) => r.containerID)) {
      const records = new Map(this.records.throughInits(inits).map((r) => [r.containerID, r]));
      for (const r of rows) if (r.containerID) r.names = recordNames(records.get(r.containerID));
    }
    return rows;
  }
}

function nameOf(s: Subject): string {
  if (s.record?.podName !== undefined) return recordName(s.record);
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
