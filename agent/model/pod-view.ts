// A pod as the node shows it, as plain values: each container's process and namespaces, sharing, mismatches.
import type { ContainerID, NsSet, NsType, Runtime } from './types.js';
import type { ContainerKind, ContainerState, PodInfo } from './pod.js';
import type { Owner, LayerRow } from './layers.js';
import type { Mismatch } from './findings.js';
import type { Tri } from './creds.js';
import type { BlockCode } from './access.js';
import type { AccessReport, Diff } from './answers.js';

/** What a debugger can do to its target, in short: the two ops on-call asks first. */
export interface DebuggerAccess {
  target: string;
  ptrace: Tri;
  readRoot: Tri;
  /** The code of the first blocking check, for an op that is not a plain yes. */
  ptraceBlockedBy?: BlockCode;
  readRootBlockedBy?: BlockCode;
}

export interface ContainerView {
  name: string;
  kind: ContainerKind;
  /** "missing": running per the API but not found on this node. */
  state: ContainerState | 'missing';
  containerID?: ContainerID;
  runtime?: Runtime;
  pid?: number;
  image?: string;
  target?: string;
  startedAt?: string;
  /** The exit code the runtime's records keep, for a container that exited on this node. */
  exitCode?: number;
  /** Ephemeral containers with a running target. */
  access?: DebuggerAccess;
  namespaces: NsSet;
  owners: Partial<Record<NsType, Owner>>;
}

export interface PodView {
  pod: PodInfo;
  containers: ContainerView[];
  /** For each type, the groups of container names that share one namespace (largest first). */
  sharing: Record<NsType, string[][]>;
  mismatches: Mismatch[];
  /** Rows where the pod spec, the runtime's record and the kernel disagree, each with its container. */
  layers: LayerRow[];
}

/** A pod's debugger against its target, by container name. */
export interface PodDiff extends Diff {
  pod: PodInfo;
  targetContainer: string;
  debuggerContainer: string;
  /** The pod's mismatches of these two containers. */
  mismatches: Mismatch[];
}

export interface PodAccess extends AccessReport {
  pod: PodInfo;
  targetContainer: string;
  debuggerContainer: string;
}
