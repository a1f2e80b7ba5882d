// Plain model of a Kubernetes pod as the agent needs it: spec flags and its containers' identities.
import type { ContainerID, Runtime } from './types.js';

export type ContainerKind = 'sandbox' | 'init' | 'app' | 'ephemeral';
export type ContainerState = 'running' | 'waiting' | 'terminated' | 'unknown';

export interface PodContainer {
  name: string;
  kind: ContainerKind;
  image?: string;
  /** Ephemeral containers: spec.ephemeralContainers[].targetContainerName. */
  target?: string;
  privileged: boolean;
  containerID?: ContainerID;
  runtime?: Runtime;
  state: ContainerState;
  /** RFC 3339, from state.running.startedAt. */
  startedAt?: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  nodeName?: string;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  shareProcessNamespace: boolean;
  /** spec.hostUsers; false means the pod has its own user namespace. Default true. */
  hostUsers: boolean;
  containers: PodContainer[];
}

/** The pods of this node as last seen from the API server. */
export interface PodDirectory {
  /** True once the first list has completed. */
  synced(): boolean;
  get(namespace: string, name: string): PodInfo | undefined;
  list(): PodInfo[];
  /** The pod and container that a container ID belongs to, per the pods' statuses. */
  byContainerID(id: string): { pod: PodInfo; container: PodContainer } | undefined;
}
