// The access question's shapes: the six ops, the codes of the checks that block them, a verdict and its walk.
import type { NodeSecurity, ProcCreds, Tri } from './creds.js';
import type { NsSet } from './types.js';

export const ACCESS_OPS = ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets'] as const;
export type AccessOp = (typeof ACCESS_OPS)[number];

/** Stable codes for the check that blocks an op; docs/access.md documents each. */
export type BlockCode =
  | 'NOT_IN_PID_NAMESPACE' | 'UID_MISMATCH' | 'NO_CAP_SYS_PTRACE' | 'CAP_IN_WRONG_USER_NAMESPACE' | 'NOT_DUMPABLE'
  | 'YAMA_SCOPE' | 'SECCOMP' | 'LSM' | 'NO_CAP_NET_RAW' | 'NOT_IN_NET_NAMESPACE' | 'NO_CAP_KILL' | 'NO_CAP_DAC_OVERRIDE';

/** One kernel check: pass, fail, unknown (cannot be seen from /proc), or note (informational, not decisive). */
export interface AccessCheck {
  check: string;
  result: 'pass' | 'fail' | 'unknown' | 'note';
  code?: BlockCode;
  detail: string;
}

export interface AccessVerdict {
  op: AccessOp;
  allowed: Tri;
  blockedBy?: BlockCode;
  reason: string;
  fix?: string;
  /** Set when the pod's namespace is known: whether its Pod Security level admits the fix. */
  podSecurity?: FixAdmission;
  checks: AccessCheck[];
}

export interface AccessParty {
  creds: ProcCreds;
  namespaces: NsSet;
  /** Length of the NSpid chain: 1 in the host's pid namespace, 2 one level down… */
  pidDepth: number;
}

export interface AccessInput {
  target: AccessParty;
  debugger: AccessParty;
  /** The host's (agent's) namespaces: the initial user and pid namespaces. */
  host: NsSet;
  node: NodeSecurity;
  /** The pod's namespace's Pod Security level; absent for node-local subjects. */
  podSecurity?: PodSecurity;
}


/** The Pod Security Standards levels, as the pod-security.kubernetes.io/enforce label names them. */
export const PSS_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PssLevel = (typeof PSS_LEVELS)[number];

/** The target namespace's enforced Pod Security level, or why it is unknown. */
export type PodSecurity =
  | { namespace: string; enforce: PssLevel; version?: string }
  | { namespace: string; enforce: 'unknown'; why: string };

/** What applying a fix would set on the debugger's container: what Pod Security admission judges. */
export interface FixNeeds {
  addCaps?: string[];
  runAsUser?: number;
  privileged?: boolean;
  appArmorUnconfined?: boolean;
}

/** One way to fix a blocked op. */
export interface Fix {
  text: string;
  needs: FixNeeds;
}

/** Whether the namespace's Pod Security level lets the fix through admission. */
export interface FixAdmission {
  level: PssLevel | 'unknown';
  allowed: Tri;
  reason: string;
}
