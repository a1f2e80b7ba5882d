// What the analysis names: findings about a debugger and its target, and where a pod's namespaces broke the kubelet's rules.
import type { NsType } from './types.js';
import type { Owner } from './layers.js';

export type FindingCode =
  | 'TARGET_IGNORED'
  | 'POD_SHARED_PID'
  | 'NO_TARGET'
  | 'TARGET_PID_SHARED'
  | 'HOST_PID'
  | 'HOST_NETWORK'
  | 'HOST_IPC'
  | 'NOT_IN_POD_NAMESPACE'
  | 'MNT_PRIVATE'
  | 'UNREADABLE';

export interface Finding {
  code: FindingCode;
  message: string;
}

/** What the kubelet and the runtime should have done for one namespace of one container. */
export type Expectation = Owner | 'any';

export type MismatchCause =
  | 'runtime_ignored_target'
  | 'not_shared_with_target'
  | 'not_in_pod_namespace'
  | 'unexpected_host_namespace'
  | 'expected_host_namespace'
  | 'expected_private_namespace';

export interface Mismatch {
  container: string;
  type: NsType;
  expected: Expectation;
  actual: Owner;
  cause: MismatchCause;
  message: string;
}
