// Plain model types shared by every layer: namespace types, processes, containers, pods.

/** The eight namespace types, sorted by name: the order every output uses. */
export const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NsType = (typeof NS_TYPES)[number];

export function isNsType(s: string): s is NsType {
  return (NS_TYPES as readonly string[]).includes(s);
}

/** Namespace inodes of one process, by type. A type is absent when it could not be read. */
export type NsSet = Partial<Record<NsType, number>>;

/** Why the namespaces of a process could not be (fully) read. Both are ordinary outcomes. */
export type NsUnreadable = 'gone' | 'denied';

export interface NsRead {
  namespaces: NsSet;
  unreadable?: NsUnreadable;
}

/** Fields of /proc/<pid>/stat that we use. startTime is in clock ticks since boot (field 22). */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Process group and session IDs (fields 5 and 6), as seen from our pid namespace. */
  pgrp: number;
  session: number;
  startTime: number;
}

/** Fields of /proc/<pid>/status that we use. nspid is outermost first, as the kernel prints it. */
export interface ProcStatus {
  uid: number;
  ppid: number;
  nspid: number[];
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  state: string;
  comm: string;
  cmdline: string[];
  startTime: number;
  nspid: number[];
}

export type Runtime = 'containerd' | 'cri-o' | 'docker';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

/** A 64-hex container ID, validated at the edge and passed on as this type. */
export type ContainerID = string & { readonly __brand: 'ContainerID' };

/** What a cgroup path says about who owns it. */
export interface CgroupIdentity {
  containerID: ContainerID;
  runtime: Runtime;
  podUID?: string;
  qos?: QosClass;
}

/** A container found on this node, with the processes of its cgroup at the time of reading. */
export interface Container extends CgroupIdentity {
  /** Absolute directory of the container's cgroup in the hierarchy it was found in. */
  cgroupDir: string;
  pids: number[];
  /** The container's first process: the one whose parent is outside the container. */
  initPid?: number;
}
