// The JSON shapes of the agent's pod endpoints, shared by the routes, the CLI client and the tests.
import type { NsSet, NsType, Runtime } from '../model/types.js';
import type { ContainerKind, ContainerState } from '../model/pod.js';
import type { Owner } from '../analysis/diff.js';
import type { Mismatch } from '../analysis/expected.js';
import type { DiffJSON } from './answers.js';
import type { LayerRowJSON } from './layers.js';
import type { Tri } from '../model/creds.js';
import type { BlockCode } from '../model/access.js';

/** What a debugger can do to its target, in short: the two ops on-call asks first. */
export interface DebuggerAccessJSON {
  target: string;
  ptrace: Tri;
  readRoot: Tri;
  /** The code of the first blocking check, for an op that is not a plain yes. */
  ptraceBlockedBy?: BlockCode;
  readRootBlockedBy?: BlockCode;
}

export interface PodContainerJSON {
  name: string;
  kind: ContainerKind;
  /** running | waiting | terminated | unknown, or "missing" when running per the API but not found on this node. */
  state: ContainerState | 'missing';
  containerID?: string;
  runtime?: Runtime;
  pid?: number;
  image?: string;
  target?: string;
  startedAt?: string;
  /** The exit code the runtime's records keep, for a container that exited on this node. */
  exitCode?: number;
  /** Ephemeral containers with a target: whether they can ptrace it and read its root (nsinspect access explains). */
  access?: DebuggerAccessJSON;
  namespaces: NsSet;
  /** Whose each namespace is: sandbox, target, host or private. */
  owners: Partial<Record<NsType, Owner>>;
}

export interface PodJSON {
  namespace: string;
  name: string;
  uid: string;
  node?: string;
  spec: { hostNetwork: boolean; hostPID: boolean; hostIPC: boolean; shareProcessNamespace: boolean; hostUsers: boolean };
  containers: PodContainerJSON[];
  /** For each type, the groups of container names that share one namespace (largest first). */
  sharing: Record<NsType, string[][]>;
  /** Expected-vs-actual: where the kubelet's and the runtime's rules were not followed. */
  mismatches: Mismatch[];
  /** Rows where the pod spec, the runtime's record and the kernel disagree, with the container's name (see wire/layers.ts). */
  layers?: LayerRowJSON[];
}

export interface PodDiffJSON extends DiffJSON {
  pod: { namespace: string; name: string; uid: string };
  targetContainer: string;
  debuggerContainer: string;
  mismatches: Mismatch[];
}

export type { ErrorJSON } from './protocol.js';

/** One container of the node, from GET /v1/containers[/:id]. */
export interface ContainerJSON {
  id: string;
  runtime: string;
  pid: number;
  podUID?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  namespaces: NsSet;
  unreadable?: 'gone' | 'denied';
}
