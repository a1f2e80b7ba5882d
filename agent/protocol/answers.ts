// The stable JSON shapes of the engine's answers, shared by the CLI, the agent and the tests.
import type { NsSet, NsType, Runtime } from '../model/types.js';
import type { NsRow } from '../analysis/diff.js';
import type { Finding } from '../analysis/findings.js';
import type { AccessSummaryJSON } from './access.js';
import type { SubjectJSON } from './subject.js';
import type { LayerRowJSON } from './layers.js';

export type { SubjectJSON };

export interface DiffJSON {
  target: SubjectJSON;
  debugger: SubjectJSON;
  /** All eight types, sorted by type. */
  namespaces: NsRow[];
  shared: NsType[];
  notShared: NsType[];
  findings: Finding[];
  /** What the debugger can do to the target: the six ops in order (see docs/access.md). */
  access: AccessSummaryJSON[];
  /** Per side and type: what the pod spec asks, what the runtime was told, what the kernel shows (see wire/layers.ts). Absent from older agents. */
  layers?: LayerRowJSON[];
}

export interface NsItemJSON extends SubjectJSON {
  namespaces: NsSet;
  /** Present when some namespaces could not be read: "gone" or "denied". */
  unreadable?: 'gone' | 'denied';
}

export interface NsListJSON {
  items: NsItemJSON[];
}

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
  /**
   * Who the process belongs to: its container; "host-entered" for a process in a container's
   * pid namespace whose cgroup is no container's (nsenter -p, nsinspect exec); "node" for a
   * host process outside any container (hostPID targets). Absent only from older agents.
   */
  owner?: { kind: 'container'; containerID: string } | { kind: 'host-entered' } | { kind: 'node' };
  /** From the runtime's record of that container, when found: who it is, by name. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
}

export interface PsJSON {
  processes: PsRowJSON[];
}

export interface WhoisJSON {
  pid: number;
  containerID?: string;
  podUID?: string;
  runtime?: Runtime;
  namespaces: NsSet;
  unreadable?: 'gone' | 'denied';
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

export interface LsnsJSON {
  namespaces: LsnsRowJSON[];
}
