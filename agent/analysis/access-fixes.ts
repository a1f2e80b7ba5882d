// What would fix a blocked op: the kubectl debug profile that grants it, or a --custom snippet.
import { mapIn } from '../model/creds.js';
import type { AccessInput, AccessOp, BlockCode, Fix } from '../model/access.js';

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

const debuggerIsRoot = (input: AccessInput): boolean => inside(input.debugger.creds.uid.effective, input.debugger.creds.uidMap) === 0;

/** A capability fix: the profile that adds them (if any), and runAsUser: 0 for a non-root debugger. */
function capsFix(input: AccessInput, caps: string[], profile?: string): Fix {
  const d = input.debugger.creds;
  if (debuggerIsRoot(input)) {
    return { text: profile ? `--profile=${profile} (adds ${caps.join(' and ')})` : custom({ securityContext: { capabilities: { add: caps } } }), needs: { addCaps: caps } };
  }
  const sc = { securityContext: { runAsUser: 0, ...(profile ? {} : { capabilities: { add: caps } }) } };
  return {
    text: `${profile ? `--profile=${profile} plus ` : ''}${custom(sc)} (the debugger runs as uid ${inside(d.uid.effective, d.uidMap)}, and a non-root container loses added capabilities at exec)`,
    needs: { addCaps: caps, runAsUser: 0 },
  };
}

/** runAsUser/runAsGroup = the target's IDs inside its user namespace; helps only a dumpable target with no permitted capabilities. */
function runAsFix(input: AccessInput): Fix | undefined {
  const t = input.target.creds;
  if (t.dumpable !== 'yes' || t.caps.permitted !== 0n) return undefined;
  const runAsUser = inside(t.uid.effective, t.uidMap);
  return { text: custom({ securityContext: { runAsUser, runAsGroup: inside(t.gid.effective, t.gidMap) } }), needs: { runAsUser } };
}

const some = (...fixes: Array<Fix | undefined>): Fix[] => fixes.filter((f): f is Fix => f !== undefined);

/** The capability an op needs from the target's user namespace, for a debugger placed there. */
const OP_CAP: Record<AccessOp, string> = {
  'see-processes': 'SYS_PTRACE', signal: 'KILL', ptrace: 'SYS_PTRACE', 'read-root': 'SYS_PTRACE', 'read-environ': 'SYS_PTRACE', 'capture-packets': 'NET_RAW',
};

/** The ways to fix a blocked op, the likeliest first; empty when kubectl has none. */
export function fixesFor(code: BlockCode, op: AccessOp, input: AccessInput): Fix[] {
  const dRoot = debuggerIsRoot(input);
  const general = capsFix(input, ['SYS_PTRACE'], 'general');
  switch (code) {
    case 'NOT_IN_PID_NAMESPACE':
      return [{ text: 'kubectl debug --target=<target container> (joins its pid namespace), or shareProcessNamespace: true on the pod', needs: {} }];
    case 'NOT_IN_NET_NAMESPACE':
      return [{ text: 'debug inside the target\'s pod (kubectl debug -it <pod>): every container of a pod shares its net namespace', needs: {} }];
    case 'UID_MISMATCH':
      return dRoot ? some(general, runAsFix(input)) : some(runAsFix(input), general);
    case 'NO_CAP_SYS_PTRACE':
    case 'NOT_DUMPABLE':
      return [general];
    case 'YAMA_SCOPE':
      return (input.node.ptraceScope ?? 0) >= 3 ? [] : [{ ...general, text: `${general.text}: Yama scopes 1 and 2 accept CAP_SYS_PTRACE` }];
    case 'CAP_IN_WRONG_USER_NAMESPACE':
      return [{ text: 'run the debugger in the target\'s user namespace (an ephemeral container of the target\'s pod shares it), with the capability added there', needs: { addCaps: [OP_CAP[op]] } }];
    case 'SECCOMP':
      return [
        { text: '--profile=sysadmin (privileged: no seccomp filter)', needs: { privileged: true } },
        { text: `${custom({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })} in place of a custom profile`, needs: {} },
      ];
    case 'LSM':
      return [
        { text: '--profile=sysadmin (privileged: unconfined)', needs: { privileged: true } },
        { text: custom({ securityContext: { appArmorProfile: { type: 'Unconfined' } } }), needs: { appArmorUnconfined: true } },
      ];
    case 'NO_CAP_NET_RAW':
      return [capsFix(input, ['NET_ADMIN', 'NET_RAW'], 'netadmin')];
    case 'NO_CAP_KILL':
      return dRoot ? some(capsFix(input, ['KILL']), runAsFix(input)) : some(runAsFix(input), capsFix(input, ['KILL']));
    case 'NO_CAP_DAC_OVERRIDE': {
      // The file belongs to the target's euid when dumpable (then running as it helps), else to root.
      const ptraceToo = op === 'read-environ' ? ['DAC_OVERRIDE', 'SYS_PTRACE'] : ['DAC_OVERRIDE'];
      return dRoot ? some(capsFix(input, ptraceToo), runAsFix(input)) : some(runAsFix(input), capsFix(input, ptraceToo));
    }
  }
}

/** The fixes as one line, alternatives joined with "or"; none from kubectl for Yama scope 3. */
export function fixText(code: BlockCode, fixes: Fix[]): string | undefined {
  if (code === 'YAMA_SCOPE' && fixes.length === 0) return 'none from kubectl: ptrace_scope 3 forbids every attach until the node reboots';
  return fixes.length ? fixes.map((f) => f.text).join(', or ') : undefined;
}

export function fixFor(code: BlockCode, op: AccessOp, input: AccessInput): string | undefined {
  return fixText(code, fixesFor(code, op, input));
}
