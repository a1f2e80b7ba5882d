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
