// Joins a pod from the API with what the node shows (containers to processes, sharing, expected-vs-actual), one snapshot per pod reused by every reader.
import type { NsSet, NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import type { PodContainer, PodInfo } from '../model/pod.js';
import { NsinspectError } from '../model/errors.js';
import type { Engine } from './engine.js';
import type { Subject } from '../model/answers.js';
import type { ContainerView, PodAccess, PodDiff, PodView } from '../model/pod-view.js';
import type { PodSecurity } from '../model/access.js';
import { debuggerAccess } from './access-of.js';
import { hostNamespaces } from '../discovery/host.js';
import { cgroupHierarchies } from '../procfs/cgroupfs.js';
import { ownerOf } from '../analysis/diff.js';
import { mismatches, type ObservedContainer } from '../analysis/expected.js';
import { containerLayers } from './layers-of.js';
import { ViewCache, type Freshness } from './view-cache.js';

export const SANDBOX_NAME = '(sandbox)';

/** One pod's snapshot: its view, the subjects it was built from, and the answers already given from it. */
interface Snapshot {
  view: PodView;
  resolved: Resolved[];
  /** diff and access answers by pair and Pod Security level: a burst of diffs of one pod is judged once per snapshot. */
  answers: Map<string, PodDiff | PodAccess>;
}

interface Resolved {
  spec: PodContainer | { name: string; kind: 'sandbox'; privileged: false; state: 'running' };
  subject?: Subject;
  missing?: boolean;
  /** The runtime's records say it exited on this node, with this code. */
  exitCode?: number;
}

/** Whether the node is pure cgroup v2 (the v2 hierarchy is the only one). */
export function isCgroupV2(proc: string): boolean {
  const h = cgroupHierarchies(proc);
  return h.length > 0 && h.every((m) => m.version === 2);
}

/** One per agent: the API's routes and the metrics share its snapshots, so a burst of readers reads /proc once. */
export class PodInspector {
  private readonly views: ViewCache<Snapshot>;
  private readonly sandboxWalkMaxAgeMs: number;

  /**
   * sandboxWalkMaxAgeMs: how stale the cgroup walk may be when looking for a pod's sandbox (it
   * outlives its pod's containers). freshness: how long a pod's view is kept (view-cache.ts).
   */
  constructor(
    private readonly engine: Engine,
    { sandboxWalkMaxAgeMs = 2_000, ...freshness }: Freshness & { sandboxWalkMaxAgeMs?: number } = {},
  ) {
    this.sandboxWalkMaxAgeMs = sandboxWalkMaxAgeMs;
    this.views = new ViewCache(engine.proc, freshness);
  }

  /** Each container of the pod resolved to its process on this node, plus the sandbox. */
  private resolve(pod: PodInfo): Resolved[] {
    const out: Resolved[] = [];
    for (const c of pod.containers) {
      if (c.state !== 'running' || !c.containerID) {
        const exit = c.containerID ? this.engine.exitOf(c.containerID) : undefined;
        out.push(exit ? { spec: c, exitCode: exit.exitCode } : { spec: c });
        continue;
      }
      try {
        out.push({ spec: c, subject: this.ownSubject(pod, c, c.containerID) });
      } catch (err) {
        // Another pod's container (CONFLICT) is shown as missing: its namespaces are not this pod's to show.
        const exitCode = err instanceof NsinspectError ? err.details?.exitCode : undefined;
        if (typeof exitCode === 'number') out.push({ spec: { ...c, state: 'terminated' }, exitCode });
        else if (err instanceof NsinspectError && (err.code === 'NOT_FOUND' || err.code === 'NOT_RUNNING' || err.code === 'CONFLICT')) out.push({ spec: c, missing: true });
        else throw err;
      }
    }
    const known = new Set(pod.containers.flatMap((c) => (c.containerID ? [c.containerID] : [])));
    // The containers just resolved are not read again to find the sandbox (engine.sandboxOf's answer, exactly).
    const subject = this.engine.sandboxSubject(pod.uid, known, this.sandboxWalkMaxAgeMs, out.flatMap((r) => (r.subject ? [r.subject] : [])));
    if (subject) out.unshift({ spec: { name: SANDBOX_NAME, kind: 'sandbox', privileged: false, state: 'running' }, subject });
    return out;
  }

  pod(pod: PodInfo): PodView {
    return this.snapshot(pod).view;
  }

  /**
   * The pod view, with the resolved subjects it was built from (reused by diff), kept as
   * view-cache.ts says while the pod's containers are the same: a burst of diffs reads /proc once.
   */
  private snapshot(pod: PodInfo): Snapshot {
    const signature = pod.uid + pod.containers.map((c) => `|${c.name}:${c.containerID ?? ''}:${c.state}`).join('');
    return this.views.get(`${pod.namespace}/${pod.name}`, signature, () => this.build(pod), (v) => v.resolved.flatMap((r) => (r.subject ? [r.subject] : [])));
  }

  private build(pod: PodInfo): Snapshot {
    const resolved = this.resolve(pod);
    const host = hostNamespaces(this.engine.proc);
    const sandbox = resolved.find((r) => r.spec.kind === 'sandbox')?.subject?.namespaces;
    const nsOf = (name?: string): NsSet | undefined => resolved.find((r) => r.spec.name === name && r.spec.kind !== 'sandbox')?.subject?.namespaces;
    const containers: ContainerView[] = resolved.map((r) => {
      const s = r.spec;
      const ns = r.subject?.namespaces ?? {};
      const target = 'target' in s ? s.target : undefined;
      const ctx = s.kind === 'sandbox' ? { host } : { host, sandbox, target: nsOf(target) };
      const owners: ContainerView['owners'] = {};
      for (const t of NS_TYPES) {
        const o = ownerOf(t, ns[t], ctx);
        if (o) owners[t] = o;
      }
      const j: ContainerView = { name: s.name, kind: s.kind, state: r.missing ? 'missing' : s.state, namespaces: ns, owners };
      const id = r.subject?.containerID ?? ('containerID' in s ? s.containerID : undefined);
      if (id) j.containerID = id;
      const runtime = r.subject?.runtime ?? ('runtime' in s ? s.runtime : undefined);
      if (runtime) j.runtime = runtime;
      if (r.subject) j.pid = r.subject.pid;
      if ('image' in s && s.image) j.image = s.image;
      else if (r.subject?.record?.image) j.image = r.subject.record.image;
      if (r.exitCode !== undefined) j.exitCode = r.exitCode;
      if (target) j.target = target;
      if ('startedAt' in s && s.startedAt) j.startedAt = s.startedAt;
      const ts = s.kind === 'ephemeral' && target && r.subject ? resolved.find((x) => x.spec.name === target && x.spec.kind !== 'sandbox')?.subject : undefined;
      if (ts && r.subject) j.access = debuggerAccess(ts, r.subject, target as string, this.engine.proc);
      return j;
    });
    const view: PodView = {
      pod,
      containers,
      sharing: sharing(containers),
      mismatches: mismatches({ pod, containers: observed(resolved), host, cgroupV2: isCgroupV2(this.engine.proc) }),
      layers: resolved.flatMap((r) => {
        const s = r.spec;
        const target = 'target' in s ? s.target : undefined;
        const spec = { pod, container: { kind: s.kind, privileged: s.privileged, ...(target ? { target } : {}) }, cgroupV2: isCgroupV2(this.engine.proc) };
        return r.subject ? containerLayers(s.name, r.subject, s.kind === 'sandbox' ? { host } : { host, sandbox, target: nsOf(target) }, spec, this.engine.proc) : [];
      }),
    };
    return { view, resolved, answers: new Map() };
  }

  /**
   * An answer about the pair from the pod's snapshot, computed once per snapshot: its
   * namespaces, privileges and layers are as stale as the view's, no more.
   */
  private answer<T extends PodDiff | PodAccess>(kind: string, snap: Snapshot, tgt: PodContainer, dbg: PodContainer, podSecurity: PodSecurity | undefined, make: () => T): T {
    const level = podSecurity ? `${podSecurity.namespace}:${podSecurity.enforce}:${podSecurity.enforce === 'unknown' ? podSecurity.why : (podSecurity.version ?? '')}` : '';
    const key = `${kind}\0${tgt.name}\0${dbg.name}\0${level}`;
    const known = snap.answers.get(key) as T | undefined;
    if (known) return known;
    const made = make();
    snap.answers.set(key, made);
    return made;
  }

  /** The debugger and its target by name: the one named, else its targetContainerName, else the pod's only app container. */
  private pair(pod: PodInfo, debuggerName: string, targetName?: string): { tgt: PodContainer; dbg: PodContainer } {
    const dbg = this.container(pod, debuggerName);
    let tname = targetName ?? dbg.target;
    if (tname === undefined) {
      const apps = pod.containers.filter((c) => c.kind === 'app' && c.name !== debuggerName);
      const only = apps.length === 1 ? apps[0] : undefined;
      if (!only) {
        throw new NsinspectError('INVALID', `debugger ${debuggerName} has no target and pod ${pod.name} has ${apps.length} app containers: pick one with target=`, {
          details: { candidates: apps.map((c) => c.name) },
        });
      }
      tname = only.name;
    }
    return { tgt: this.container(pod, tname), dbg };
  }

  /** A named container's subject from the pod's snapshot, named as the pod's (NAMESPACE/POD/NAME); else read now. */
  private subjectIn(pod: PodInfo, resolved: Resolved[], c: PodContainer): Subject {
    // By name: a pod update that left its containers as they were (the snapshot's signature) is a new object.
    const s = resolved.find((r) => r.spec.kind !== 'sandbox' && r.spec.name === c.name)?.subject ?? this.running(pod, c);
    return { ...s, ref: `${pod.namespace}/${pod.name}/${c.name}` };
  }

  /**
   * The engine's diff for two containers of the pod, by name. The target defaults to the
   * debugger's targetContainerName, else the pod's only app container; otherwise INVALID
   * listing the candidates.
   */
  diff(pod: PodInfo, debuggerName: string, targetName?: string, podSecurity?: PodSecurity): PodDiff {
    const { tgt, dbg } = this.pair(pod, debuggerName, targetName);
    const snap = this.snapshot(pod);
    return this.answer('diff', snap, tgt, dbg, podSecurity, () => this.diffOf(pod, snap, tgt, dbg, podSecurity));
  }

  private diffOf(pod: PodInfo, { view, resolved }: Snapshot, tgt: PodContainer, dbg: PodContainer, podSecurity?: PodSecurity): PodDiff {
    const [ts, ds] = [this.subjectIn(pod, resolved, tgt), this.subjectIn(pod, resolved, dbg)];
    const sandbox = resolved.find((r) => r.spec.kind === 'sandbox')?.subject?.namespaces;
    const v2 = isCgroupV2(this.engine.proc);
    const specOf = (c: PodContainer) => ({ pod, container: { kind: c.kind, privileged: c.privileged, ...(c.target ? { target: c.target } : {}) }, cgroupV2: v2 });
    const d = this.engine.diff(ts, ds, { target: tgt.name, debugger: dbg.name }, sandbox, { target: specOf(tgt), debugger: specOf(dbg) }, podSecurity);
    return {
      pod,
      targetContainer: tgt.name,
      debuggerContainer: dbg.name,
      ...d,
      mismatches: view.mismatches.filter((m) => m.container === dbg.name || m.container === tgt.name),
    };
  }

  /** What the pod's debugger can do to its target (picked as diff picks it), judged against the namespace's Pod Security level. */
  access(pod: PodInfo, debuggerName: string, targetName?: string, podSecurity?: PodSecurity): PodAccess {
    const { tgt, dbg } = this.pair(pod, debuggerName, targetName);
    const snap = this.snapshot(pod);
    return this.answer('access', snap, tgt, dbg, podSecurity, () => {
      const a = this.engine.access(this.subjectIn(pod, snap.resolved, tgt), this.subjectIn(pod, snap.resolved, dbg), podSecurity);
      return { pod, targetContainer: tgt.name, debuggerContainer: dbg.name, ...a };
    });
  }

  /**
   * The container a pod's status names, provided the node agrees it is that pod's: the pod UID in
   * its cgroup path must be the pod's UID. Whoever may write a pod's status could otherwise point
   * containerID at another namespace's container and read (or enter) it with this pod's rights.
   */
  private ownSubject(pod: PodInfo, c: PodContainer, containerID: string): Subject {
    const s = this.engine.containerSubject(containerID);
    if (s.podUID !== pod.uid) {
      const whose = s.podUID ? `the pod with UID ${s.podUID}` : 'no pod';
      throw new NsinspectError('CONFLICT', `container ${c.name} of pod ${pod.namespace}/${pod.name}: its status names container ${containerID.slice(0, 12)}, which on this node belongs to ${whose}, not to this pod (UID ${pod.uid})`, {
        hint: "the pod's status does not match the node; nsinspect answers only for the pod's own containers",
      });
    }
    return s;
  }

  /** The pod's container by name, or NOT_FOUND listing the candidates. */
  container(pod: PodInfo, name: string): PodContainer {
    const c = pod.containers.find((x) => x.name === name);
    if (!c) throw notInPod(pod, name);
    return c;
  }

  /** The subject of a named container, or NOT_RUNNING (409) / NOT_FOUND / CONFLICT (409, another pod's container). */
  running(pod: PodInfo, c: PodContainer): Subject {
    if (c.state !== 'running' || !c.containerID) {
      throw new NsinspectError('NOT_RUNNING', `container ${c.name} of pod ${pod.namespace}/${pod.name} is ${c.state}, not running`, {
        hint: `check it with kubectl describe pod ${pod.name} -n ${pod.namespace}`,
      });
    }
    try {
      return this.ownSubject(pod, c, c.containerID);
    } catch (err) {
      if (err instanceof NsinspectError && err.code === 'NOT_FOUND') {
        throw new NsinspectError('NOT_RUNNING', `container ${c.name} of pod ${pod.namespace}/${pod.name} is running per the API, but not on this node`, {
          hint: 'it may have just restarted; try again',
          cause: err,
        });
      }
      throw err;
    }
  }
}

function notInPod(pod: PodInfo, name: string): NsinspectError {
  return new NsinspectError('NOT_FOUND', `pod ${pod.namespace}/${pod.name} has no container ${name}`, {
    details: { candidates: pod.containers.map((c) => c.name) },
  });
}

function observed(resolved: Resolved[]): ObservedContainer[] {
  return resolved.flatMap((r) => {
    if (!r.subject) return [];
    const s = r.spec;
    return [{ name: s.name, kind: s.kind, privileged: s.privileged, namespaces: r.subject.namespaces, ...('target' in s && s.target ? { target: s.target } : {}) }];
  });
}

function sharing(containers: ContainerView[]): Record<NsType, string[][]> {
  const out = {} as Record<NsType, string[][]>;
  for (const t of NS_TYPES) {
    const groups = new Map<number, string[]>();
    for (const c of containers) {
      const ino = c.namespaces[t];
      if (ino === undefined) continue;
      groups.set(ino, [...(groups.get(ino) ?? []), c.name]);
    }
    out[t] = [...groups.values()].sort((a, b) => b.length - a.length);
  }
  return out;
}
