// What would fix a blocked op: the kubectl debug profile that grants it, or a --custom snippet.
import { mapIn } from '../model/creds.js';
import type { AccessInput, AccessOp, BlockCode } from '../model/access.js';

/*
 * What each kubectl debug profile sets on an ephemeral container (kubectl pkg/cmd/debug/profiles.go):
 *   legacy      nothing (the runtime's defaults)
 *   general     adds capability SYS_PTRACE
 *   baseline    clears the securityContext (the runtime's defaults)
 *   restricted  runAsNonRoot, drops ALL capabilities, allowPrivilegeEscalation false, seccomp RuntimeDefault
 *   netadmin    adds capabilities NET_ADMIN and NET_RAW
 *   sysadmin    privileged: true (every capability, no seccomp filter, unconfined LSM)
 */

const custom = (o: object): string => `kubectl debug --custom=<file> with ${JSON.stringify(o)}`;

/** The user (and group) to run as inside the target's user namespace: what runAsUser means. */
function runAs(input: AccessInput): string {
  const t = input.target.creds;
  const uid = mapIn(t.uid.effective, t.uidMap) ?? t.uid.effective;
  const gid = mapIn(t.gid.effective, t.gidMap) ?? t.gid.effective;
  return custom({ securityContext: { runAsUser: uid, runAsGroup: gid } });
}

export function fixFor(code: BlockCode, op: AccessOp, input: AccessInput): string | undefined {
  switch (code) {
    case 'NOT_IN_PID_NAMESPACE':
      return 'kubectl debug --target=<target container> (joins its pid namespace), or shareProcessNamespace: true on the pod';
    case 'NOT_IN_NET_NAMESPACE':
      return 'debug inside the target\'s pod (kubectl debug -it <pod>): every container of a pod shares its net namespace';
    case 'UID_MISMATCH':
      return op === 'ptrace'
        ? `--profile=general (adds SYS_PTRACE), or ${runAs(input)}`
        : `${runAs(input)}, or --profile=general (adds SYS_PTRACE)`;
    case 'NO_CAP_SYS_PTRACE':
    case 'NOT_DUMPABLE':
      return `--profile=general (adds SYS_PTRACE), or ${custom({ securityContext: { capabilities: { add: ['SYS_PTRACE'] } } })}`;
    case 'YAMA_SCOPE':
      return (input.node.ptraceScope ?? 0) >= 3
        ? 'none from kubectl: ptrace_scope 3 forbids every attach until the node reboots'
        : '--profile=general (adds SYS_PTRACE, which Yama scopes 1 and 2 accept)';
    case 'CAP_IN_WRONG_USER_NAMESPACE':
      return 'run the debugger in the target\'s user namespace (an ephemeral container of the target\'s pod shares it), with the capability added there';
    case 'SECCOMP':
      return `--profile=sysadmin (privileged: no seccomp filter), or ${custom({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })} when the current profile is a custom one`;
    case 'LSM':
      return `--profile=sysadmin (privileged: unconfined), or ${custom({ securityContext: { appArmorProfile: { type: 'Unconfined' } } })}`;
    case 'NO_CAP_NET_RAW':
      return `--profile=netadmin (adds NET_ADMIN and NET_RAW), or ${custom({ securityContext: { capabilities: { add: ['NET_RAW'] } } })}`;
    case 'NO_CAP_KILL':
      return `${runAs(input)}, or ${custom({ securityContext: { capabilities: { add: ['KILL'] } } })}`;
    case 'NO_CAP_DAC_OVERRIDE':
      return `${runAs(input)}, or ${custom({ securityContext: { capabilities: { add: ['DAC_OVERRIDE'] } } })}`;
  }
}
