// One process or container as every answer names it (diff sides, ns items, access sides), and its encoder.
import type { Subject } from '../model/answers.js';

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

export function subjectJSON(s: Subject): SubjectJSON {
  const j: SubjectJSON = { ref: s.ref, pid: s.pid };
  if (s.containerID) j.containerID = s.containerID;
  if (s.podUID) j.podUID = s.podUID;
  const r = s.record;
  if (r?.podNamespace) j.podNamespace = r.podNamespace;
  if (r?.podName) j.podName = r.podName;
  if (r?.containerName) j.containerName = r.containerName;
  if (r?.kind) j.containerType = r.kind;
  if (r?.image) j.image = r.image;
  return j;
}
