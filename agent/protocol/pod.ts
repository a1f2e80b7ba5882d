// The JSON of the agent's pod and container endpoints, and their encoders from the inspection's values.
import type { NsSet, NsType, Runtime } from '../model/types.js';
import type { ContainerKind, ContainerState } from '../model/pod.js';
import type { Owner } from '../model/layers.js';
import type { Expectation, MismatchCause } from '../model/findings.js';
import type { Mismatch } from '../model/findings.js';
import type { DebuggerAccess, PodDiff, PodView } from '../model/pod-view.js';
import type { RecordNames, Subject } from '../model/answers.js';
import type { Tri } from '../model/creds.js';
import type { BlockCode } from '../model/access.js';
import { type DiffJSON, diffJSON, namesJSON } from './answers.js';
import { type LayerRowJSON, layerRowJSON } from './layers.js';
import { type PodRefJSON, podRefJSON } from './pod-ref.js';

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

export interface MismatchJSON {
  container: string;
  type: NsType;
  expected: Expectation;
  actual: Owner;
  cause: MismatchCause;
  message: string;
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
  mismatches: MismatchJSON[];
  /** Rows where the pod spec, the runtime's record and the kernel disagree, with the container's name. */
  layers?: LayerRowJSON[];
}

export interface PodDiffJSON extends DiffJSON {
  pod: PodRefJSON;
  targetContainer: string;
  debuggerContainer: string;
  mismatches: MismatchJSON[];
}

export type { ErrorJSON } from './protocol.js';

/** One container of the node, from GET /v1/containers[/:id]. */
export interface ContainerJSON {
  containerID: string;
  runtime: string;
  pid: number;
  podUID?: string;
  /** Who the container is, by name: from the API's pods, else the runtime's record. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
  namespaces: NsSet;
  unreadable?: 'gone' | 'denied';
}

const mismatchJSON = (m: Mismatch): MismatchJSON => ({ container: m.container, type: m.type, expected: m.expected, actual: m.actual, cause: m.cause, message: m.message });

function debuggerAccessJSON(a: DebuggerAccess): DebuggerAccessJSON {
  const j: DebuggerAccessJSON = { target: a.target, ptrace: a.ptrace, readRoot: a.readRoot };
  if (a.ptraceBlockedBy) j.ptraceBlockedBy = a.ptraceBlockedBy;
  if (a.readRootBlockedBy) j.readRootBlockedBy = a.readRootBlockedBy;
  return j;
}

export function podJSON(v: PodView): PodJSON {
  const p = v.pod;
  return {
    namespace: p.namespace,
    name: p.name,
    uid: p.uid,
    ...(p.nodeName ? { node: p.nodeName } : {}),
    spec: { hostNetwork: p.hostNetwork, hostPID: p.hostPID, hostIPC: p.hostIPC, shareProcessNamespace: p.shareProcessNamespace, hostUsers: p.hostUsers },
    containers: v.containers.map((c) => {
      const j: PodContainerJSON = { name: c.name, kind: c.kind, state: c.state, namespaces: { ...c.namespaces }, owners: { ...c.owners } };
      if (c.containerID) j.containerID = c.containerID;
      if (c.runtime) j.runtime = c.runtime;
      if (c.pid !== undefined) j.pid = c.pid;
      if (c.image) j.image = c.image;
      if (c.exitCode !== undefined) j.exitCode = c.exitCode;
      if (c.target) j.target = c.target;
      if (c.startedAt) j.startedAt = c.startedAt;
      if (c.access) j.access = debuggerAccessJSON(c.access);
      return j;
    }),
    sharing: v.sharing,
    mismatches: v.mismatches.map(mismatchJSON),
    layers: v.layers.map(layerRowJSON),
  };
}

export function podDiffJSON(d: PodDiff): PodDiffJSON {
  return { pod: podRefJSON(d.pod), targetContainer: d.targetContainer, debuggerContainer: d.debuggerContainer, ...diffJSON(d), mismatches: d.mismatches.map(mismatchJSON) };
}

/** names: the pod and container the API's pods say own the container; else its runtime record's. */
export function containerJSON(s: Subject, names?: RecordNames): ContainerJSON {
  return {
    containerID: s.containerID ?? '',
    runtime: s.runtime ?? 'unknown',
    pid: s.pid,
    ...(s.podUID ? { podUID: s.podUID } : {}),
    ...namesJSON(names ?? s.record),
    namespaces: { ...s.namespaces },
    ...(s.unreadable ? { unreadable: s.unreadable } : {}),
  };
}
