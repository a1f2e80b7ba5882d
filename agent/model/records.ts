// What a container runtime was told about a container (its OCI spec's annotations and namespaces), as plain values.
import type { NsType, Runtime } from './types.js';

/** One entry of the spec's linux.namespaces: a new namespace (no path) or the path it was joined from. */
export interface NsJoin {
  type: NsType;
  path?: string;
}

/** A container's record as its runtime keeps it on the node. Fields absent when the runtime did not say. */
export interface RuntimeRecord {
  containerID: string;
  runtime: Runtime;
  /** The file it was read from. */
  source: string;
  /** The CRI's role for it: the pod's sandbox, or one of its containers (app, init or ephemeral). */
  kind?: 'sandbox' | 'container';
  containerName?: string;
  podName?: string;
  podNamespace?: string;
  podUID?: string;
  sandboxID?: string;
  image?: string;
  namespaces: NsJoin[];
}

/** What the CRI kept about a container after its task was deleted: it exited, with this code. */
export interface ExitRecord {
  containerID: string;
  source: string;
  exitCode: number;
  /** When it finished, when the runtime recorded it. */
  finishedAt?: Date;
}

/** Where runtimes keep their records. Defaults are those of a kubelet node; the tests pass private roots. */
export interface RecordRoots {
  /** containerd's state dirs (`state` in config.toml): task bundles under io.containerd.runtime.v2.task. */
  containerdState: string[];
  /** containerd's root dirs (`root`): the CRI's container status files. */
  containerdRoot: string[];
  /** CRI-O (containers/storage) run and graph roots: overlay-containers/<id>/userdata/config.json. */
  crio: string[];
}
