// The JSON of the node-level answers (diff, ns, ps, whois, lsns) and their encoders from the inspection's values.
import type { NsSet, NsType, Runtime } from '../model/types.js';
import type { Owner } from '../model/layers.js';
import type { FindingCode } from '../model/findings.js';
import type { Diff, LsnsRow, PsRow, RecordNames, Subject } from '../model/answers.js';
import { type AccessSummaryJSON, verdictJSON } from './access.js';
import { type SubjectJSON, subjectJSON } from './subject.js';
import { type LayerRowJSON, layerRowJSON } from './layers.js';

export type { SubjectJSON };

export interface NsRowJSON {
  type: NsType;
  target: number | null;
  debugger: number | null;
  /** null when either side could not be read. */
  shared: boolean | null;
  /** Whose namespace the debugger is in; null when unreadable. */
  with: Owner | null;
}

export interface FindingJSON {
  code: FindingCode;
  message: string;
}

export interface DiffJSON {
  target: SubjectJSON;
  debugger: SubjectJSON;
  /** All eight types, sorted by type. */
  namespaces: NsRowJSON[];
  shared: NsType[];
  notShared: NsType[];
  findings: FindingJSON[];
  /** What the debugger can do to the target: the six ops in order (see docs/access.md). */
  access: AccessSummaryJSON[];
  /** Per side and type: what the pod spec asks, what the runtime was told, what the kernel shows. Absent from older agents. */
  layers?: LayerRowJSON[];
}

export function diffJSON(d: Diff): DiffJSON {
  return {
    target: subjectJSON(d.target),
    debugger: subjectJSON(d.debugger),
    namespaces: d.namespaces.map((r) => ({ type: r.type, target: r.target, debugger: r.debugger, shared: r.shared, with: r.with })),
    shared: [...d.shared],
    notShared: [...d.notShared],
    findings: d.findings.map((f) => ({ code: f.code, message: f.message })),
    access: d.access.map((v) => verdictJSON(v, false)),
    layers: d.layers.map(layerRowJSON),
  };
}

export interface NsItemJSON extends SubjectJSON {
  namespaces: NsSet;
  /** Present when some namespaces could not be read: "gone" or "denied". */
  unreadable?: 'gone' | 'denied';
}

export interface NsListJSON {
  items: NsItemJSON[];
}

export function nsListJSON(subjects: readonly Subject[]): NsListJSON {
  return {
    items: subjects.map((s) => {
      const item: NsItemJSON = { ...subjectJSON(s), namespaces: { ...s.namespaces } };
      if (s.unreadable) item.unreadable = s.unreadable;
      return item;
    }),
  };
}

/** Who a process belongs to: its container; "host-entered" (in a container's pid namespace, in no container's cgroup: nsenter -p, nsinspect exec); "node" (a host process outside any container). */
export type ProcessOwnerJSON = { kind: 'container'; containerID: string } | { kind: 'host-entered' } | { kind: 'node' };

export interface PsRowJSON {
  pid: number;
  /** The PID inside the container's pid namespace. */
  nspid: number;
  ppid: number;
  uid: number;
  /** ISO 8601, from the boot time plus field 22 of stat. */
  startTime: string;
  command: string;
  /** The container whose cgroup holds the process: a debugger's processes show up here too. */
  containerID?: string;
  /** Absent only from older agents. */
  owner?: ProcessOwnerJSON;
  /** From the runtime's record of that container, when found: who it is, by name. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
}

export interface PsJSON {
  processes: PsRowJSON[];
}

export function psJSON(rows: readonly PsRow[]): PsJSON {
  return {
    processes: rows.map((p) => {
      const owner: ProcessOwnerJSON = p.owner.kind === 'container' ? { kind: 'container', containerID: p.owner.containerID } : { kind: p.owner.kind };
      const row: PsRowJSON = { pid: p.pid, nspid: p.nspid, ppid: p.ppid, uid: p.uid, startTime: p.startTime.toISOString(), command: p.command, owner };
      if (p.owner.kind === 'container') Object.assign(row, { containerID: p.owner.containerID }, namesJSON(p.names));
      return row;
    }),
  };
}

export interface WhoisJSON {
  pid: number;
  containerID?: string;
  podUID?: string;
  runtime?: Runtime;
  /** Who the container is, by name: from the API's pods (agent) or the runtime's record. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
  namespaces: NsSet;
  unreadable?: 'gone' | 'denied';
}

/** names: the pod and container names the API's pods give; else the runtime record's. */
export function whoisJSON(s: Subject, names?: RecordNames): WhoisJSON {
  return {
    pid: s.pid,
    ...(s.containerID ? { containerID: s.containerID } : {}),
    ...(s.podUID ? { podUID: s.podUID } : {}),
    ...(s.runtime ? { runtime: s.runtime } : {}),
    ...namesJSON(names ?? s.record),
    namespaces: { ...s.namespaces },
    ...(s.unreadable ? { unreadable: s.unreadable } : {}),
  };
}

export interface LsnsRowJSON {
  inode: number;
  type: NsType;
  nprocs: number;
  /** The lowest PID in the namespace, as lsns reports it. */
  pid: number;
  user: string;
  command: string;
  containerID?: string;
  /** From the runtime's record of that container, when found: who it is, by name. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
}

/** `namespaces` is a list here, not a type-to-inode map as in ns and whois: it is lsns -J's shape, one row per namespace. */
export interface LsnsJSON {
  namespaces: LsnsRowJSON[];
}

export function lsnsJSON(rows: readonly LsnsRow[]): LsnsJSON {
  return {
    namespaces: rows.map((r) => {
      const j: LsnsRowJSON = { inode: r.inode, type: r.type, nprocs: r.nprocs, pid: r.pid, user: r.user, command: r.command };
      if (r.containerID) Object.assign(j, { containerID: r.containerID }, namesJSON(r.names));
      return j;
    }),
  };
}

/** The pod and container names, each only when known. */
export function namesJSON(n: RecordNames | undefined): RecordNames {
  const out: RecordNames = {};
  if (n?.podNamespace) out.podNamespace = n.podNamespace;
  if (n?.podName) out.podName = n.podName;
  if (n?.containerName) out.containerName = n.containerName;
  return out;
}
