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
 * Kubelet sets no ambient capabilities: a debugger that runs as non-root loses added capabilities
 * when it execs, so for it a capability fix also needs runAsUser: 0.
 */

const custom = (o: object): string => `--custom=<file> with ${JSON.stringify(o)}`;

const inside = (id: number, map: AccessInput['target']['creds']['uidMap']): number => mapIn(id, map) ?? id;

/** A capability fix: the profile that adds them (if any), and runAsUser: 0 for a non-root debugger. */
function capsFix(input: AccessInput, caps: string[], profile?: string): string {
  const d = input.debugger.creds;
  const root = inside(d.uid.effective, d.uidMap) === 0;
  if (root) return profile ? `--profile=${profile} (adds ${caps.join(' and ')})` : custom({ securityContext: { capabilities: { add: caps } } });
  const sc = { securityContext: { runAsUser: 0, ...(profile ? {} : { capabilities: { add: caps } }) } };
  return `${profile ? `--profile=${profile} plus ` : ''}${custom(sc)} (the debugger runs as uid ${inside(d.uid.effective, d.uidMap)}, and a non-root container loses added capabilities at exec)`;
}

/** runAsUser/runAsGroup = the target's IDs inside its user namespace; helps only a dumpable target with no permitted capabilities. */
function runAsFix(input: AccessInput): string | undefined {
  const t = input.target.creds;
  if (t.dumpable !== 'yes' || t.caps.permitted !== 0n) return undefined;
  return custom({ securityContext: { runAsUser: inside(t.uid.effective, t.uidMap), runAsGroup: inside(t.gid.effective, t.gidMap) } });
}

const either = (...fixes: Array<string | undefined>): string => fixes.filter((f): f is string => f !== undefined).join(', or ');

export function fixFor(code: BlockCode, op: AccessOp, input: AccessInput): string | undefined {
  const dRoot = inside(input.debugger.creds.uid.effective, input.debugger.creds.uidMap) === 0;
  const general = capsFix(input, ['SYS_PTRACE'], 'general');
  switch (code) {
    case 'NOT_IN_PID_NAMESPACE':
      return 'kubectl debug --target=<target container> (joins its pid namespace), or shareProcessNamespace: true on the pod';
    case 'NOT_IN_NET_NAMESPACE':
      return 'debug inside the target\'s pod (kubectl debug -it <pod>): every container of a pod shares its net namespace';
    case 'UID_MISMATCH':
      return dRoot ? either(general, runAsFix(input)) : either(runAsFix(input), general);
    case 'NO_CAP_SYS_PTRACE':
    case 'NOT_DUMPABLE':
      return general;
    case 'YAMA_SCOPE':
      return (input.node.ptraceScope ?? 0) >= 3 ? 'none from kubectl: ptrace_scope 3 forbids every attach until the node reboots' : `${general}: Yama scopes 1 and 2 accept CAP_SYS_PTRACE`;
    case 'CAP_IN_WRONG_USER_NAMESPACE':
      return 'run the debugger in the target\'s user namespace (an ephemeral container of the target\'s pod shares it), with the capability added there';
    case 'SECCOMP':
      return `--profile=sysadmin (privileged: no seccomp filter), or ${custom({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })} in place of a custom profile`;
    case 'LSM':
      return `--profile=sysadmin (privileged: unconfined), or ${custom({ securityContext: { appArmorProfile: { type: 'Unconfined' } } })}`;
    case 'NO_CAP_NET_RAW':
      return capsFix(input, ['NET_ADMIN', 'NET_RAW'], 'netadmin');
    case 'NO_CAP_KILL':
      return dRoot ? either(capsFix(input, ['KILL']), runAsFix(input)) : either(runAsFix(input), capsFix(input, ['KILL']));
    case 'NO_CAP_DAC_OVERRIDE': {
      // The file belongs to the target's euid when dumpable (then running as it helps), else to root.
      const ptraceToo = op === 'read-environ' ? ['DAC_OVERRIDE', 'SYS_PTRACE'] : ['DAC_OVERRIDE'];
      return dRoot ? either(capsFix(input, ptraceToo), runAsFix(input)) : either(runAsFix(input), capsFix(input, ptraceToo));
    }
  }
}
