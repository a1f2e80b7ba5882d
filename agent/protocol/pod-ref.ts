// A pod named inside another answer: one shape everywhere (diff, access, the pod view's own fields).
import type { PodInfo } from '../model/pod.js';

/** A pod that is the subject of an answer. A process or container names its pod flat instead (podUID, podNamespace, podName). */
export interface PodRefJSON {
  namespace: string;
  name: string;
  uid: string;
}

export function podRefJSON(p: Pick<PodInfo, 'namespace' | 'name' | 'uid'>): PodRefJSON {
  return { namespace: p.namespace, name: p.name, uid: p.uid };
}
