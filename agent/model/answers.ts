// The inspection's answers as plain values: a resolved subject, a diff, ps rows, lsns rows, an access report.
import type { Container, ContainerID, NsSet, NsType, NsUnreadable, Runtime } from './types.js';
import type { RuntimeRecord } from './records.js';
import type { NsRow } from './diff.js';
import type { Finding } from './findings.js';
import type { LayerRow } from './layers.js';
import type { AccessVerdict } from './access.js';
import type { NodeSecurity, ProcCreds } from './creds.js';

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
  /** What the runtime was told about the container, when its record was found. */
  record?: RuntimeRecord;
}

/** A debugger against its target: the namespace rows, the findings, what it can do, and the three layers. */
export interface Diff {
  target: Subject;
  debugger: Subject;
  /** All eight types, sorted by type. */
  namespaces: NsRow[];
  shared: NsType[];
  notShared: NsType[];
  findings: Finding[];
  /** The six ops in order, without their walks; all unknown (saying why) when a side's credentials could not be read. */
  access: AccessVerdict[];
  layers: LayerRow[];
}

/** Who a process of a pid namespace belongs to (see PsRow). */
export type ProcessOwner = { kind: 'container'; containerID: ContainerID } | { kind: 'host-entered' } | { kind: 'node' };

/** Who a container is, by name, from its runtime's record. */
export interface RecordNames {
  podNamespace?: string;
  podName?: string;
  containerName?: string;
}

export interface PsRow {
  pid: number;
  /** The PID inside the container's pid namespace. */
  nspid: number;
  ppid: number;
  uid: number;
  startTime: Date;
  /** The command line, or the kernel's comm in brackets for a kernel thread or a zombie. */
  command: string;
  owner: ProcessOwner;
  /** The owning container's names, when its record was found. */
  names?: RecordNames;
}

export interface LsnsRow {
  inode: number;
  type: NsType;
  nprocs: number;
  /** The lowest PID in the namespace, as lsns reports it. */
  pid: number;
  user: string;
  command: string;
  containerID?: ContainerID;
  names?: RecordNames;
}

/** One side of an access report: the subject and the credentials its verdicts were judged on. */
export interface AccessSide {
  subject: Subject;
  creds: ProcCreds;
}

export interface AccessReport {
  target: AccessSide;
  debugger: AccessSide;
  node: NodeSecurity;
  verdicts: AccessVerdict[];
}
