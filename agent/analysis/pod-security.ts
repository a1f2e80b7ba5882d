// Whether a namespace's Pod Security level admits a fix, by the Pod Security Standards' rules for containers.
import type { Fix, FixAdmission, FixNeeds, PodSecurity, PssLevel } from '../model/access.js';

/**
 * The capabilities baseline lets a container add (the runtimes' default set); restricted allows
 * only NET_BIND_SERVICE. Neither admits privileged: true nor an Unconfined AppArmor profile;
 * restricted also requires running as non-root (runAsUser ≠ 0, runAsNonRoot: true), no privilege
 * escalation, all capabilities dropped and a RuntimeDefault or Localhost seccomp profile, which
 * kubectl debug --profile=restricted sets. Baseline does not restrict runAsUser.
 * (kubernetes.io/docs/concepts/security/pod-security-standards; ephemeral containers are checked too.)
 */
export const BASELINE_CAPS = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

/** What the level forbids of these needs, in words; empty when it admits them. */
export function forbidden(level: PssLevel, needs: FixNeeds): string[] {
  if (level === 'privileged') return [];
  const out: string[] = [];
  if (needs.privileged) out.push('privileged containers');
  const caps = needs.addCaps ?? [];
  const bad = level === 'restricted' ? caps.filter((c) => c !== 'NET_BIND_SERVICE') : caps.filter((c) => !BASELINE_CAPS.includes(c));
  if (bad.length) out.push(`adding ${bad.join(' and ')}${level === 'restricted' ? ' (only NET_BIND_SERVICE may be added)' : ' (only the runtime\'s default capabilities may be added)'}`);
  if (needs.appArmorUnconfined) out.push('an Unconfined AppArmor profile');
  if (level === 'restricted' && needs.runAsUser === 0) out.push('runAsUser: 0 (containers must run as non-root)');
  return out;
}

const ESCAPE = 'ask a cluster admin or use a node admin\'s nsinspect exec';

/**
 * The fix line and its admission under the namespace's level: forbidden alternatives are dropped
 * when another one passes; when none passes, the line says what the level forbids and who can help.
 * An unknown level is said as unknown, never taken as allowing.
 */
export function admitFix(fixes: Fix[], text: string, ps: PodSecurity): { fix: string; admission: FixAdmission } {
  const ns = `the namespace ${JSON.stringify(ps.namespace)}`;
  if (ps.enforce === 'unknown') {
    const strict = fixes.filter((f) => forbidden('baseline', f.needs).length || forbidden('restricted', f.needs).length);
    if (strict.length === 0) return { fix: text, admission: { level: 'unknown', allowed: 'yes', reason: `no Pod Security level forbids this fix (${ns}'s level is unknown: ${ps.why})` } };
    const base = [...new Set(strict.flatMap((f) => forbidden('baseline', f.needs)))];
    const what = base.length ? `baseline and restricted forbid ${base.join('; ')}` : `restricted forbids ${[...new Set(strict.flatMap((f) => forbidden('restricted', f.needs)))].join('; ')}`;
    return {
      fix: `${text} (if admitted: ${ns}'s Pod Security level is unknown, ${ps.why}; ${what})`,
      admission: { level: 'unknown', allowed: 'unknown', reason: `${ns}'s Pod Security level is unknown: ${ps.why}` },
    };
  }
  const level = ps.enforce;
  const judged = fixes.map((f) => ({ f, why: forbidden(level, f.needs) }));
  const ok = judged.filter((j) => j.why.length === 0);
  const restrictedNote = level === 'restricted' ? ' (with --profile=restricted, which the namespace requires of every container)' : '';
  if (ok.length === fixes.length) {
    return { fix: `${text}${restrictedNote}`, admission: { level, allowed: 'yes', reason: `${ns} enforces ${level}, which admits this fix` } };
  }
  const whyNot = [...new Set(judged.flatMap((j) => j.why))].join('; ');
  if (ok.length) {
    const reason = `${ns} enforces ${level}, which forbids ${whyNot}`;
    return { fix: `${ok.map((j) => j.f.text).join(', or ')}${restrictedNote} (${reason})`, admission: { level, allowed: 'yes', reason } };
  }
  const reason = `${ns} enforces ${level}, which forbids ${whyNot}`;
  return { fix: `${text}; but ${reason}; ${ESCAPE}`, admission: { level, allowed: 'no', reason } };
}
