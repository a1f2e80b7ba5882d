// One process or container as every answer names it (diff sides, ns items, access sides): apart, so wire/local.ts and wire/access.ts import it without a cycle.
export interface SubjectJSON {
  ref: string;
  pid: number;
  containerID?: string;
  podUID?: string;
  /** From the runtime's record of the container, when found on the node. */
  podNamespace?: string;
  podName?: string;
  containerName?: string;
  /** The CRI's role: the pod's sandbox, or a container in it. */
  containerType?: 'sandbox' | 'container';
  image?: string;
}
