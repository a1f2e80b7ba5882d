// Security contexts for lab containers, as a ContainerSpec.customize hook: user, capabilities, seccomp, user namespace, extra mounts.
import { readFileSync } from 'node:fs';
import type { OciConfig } from './runc.js';

/** containerd's (and Docker's) default capabilities: what a pod gets without securityContext. */
export const RUNTIME_DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export interface SecurityContext {
  uid?: number;
  gid?: number;
  /** Capabilities for bounding, permitted and effective (default: the runtime's for root, none otherwise). */
  caps?: string[];
  noNewPrivileges?: boolean;
  /** Syscalls a seccomp filter makes fail with EPERM (everything else allowed). */
  seccompDeny?: string[];
  /** A new user namespace mapping 0..size-1 to hostId..; or join the user namespace of a host PID. */
  userns?: { hostId: number; size: number } | { joinPid: number };
  /** Bind mounts (read-only, but /out is writable): container path -> host path. */
  binds?: Record<string, string>;
  /** Bind the host's /proc instead of mounting a new one (for a user namespace that cannot mount proc for the pid namespace it joins). */
  hostProc?: boolean;
}

export function securityContext(c: SecurityContext): (config: OciConfig) => void {
  return (config) => {
    const p = config.process;
    p.user = { uid: c.uid ?? 0, gid: c.gid ?? c.uid ?? 0 };
    p.noNewPrivileges = c.noNewPrivileges ?? false;
    const caps = c.caps ?? (p.user.uid === 0 ? RUNTIME_DEFAULT_CAPS : []);
    // As kubelet does: no ambient set, so a non-root user loses permitted/effective at exec, as in a pod.
    p.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
    if (c.seccompDeny) {
      config.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'],
        syscalls: [{ names: c.seccompDeny, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      };
    }
    if (c.userns && 'joinPid' in c.userns) {
      config.linux.namespaces.push({ type: 'user', path: `/proc/${c.userns.joinPid}/ns/user` });
      // runc wants the mappings of a joined user namespace too: copy them from the kernel.
      const map = (f: string) => readFileSync(`/proc/${(c.userns as { joinPid: number }).joinPid}/${f}`, 'utf8').trim().split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number)).map(([containerID, hostID, size]) => ({ containerID, hostID, size }));
      config.linux.uidMappings = map('uid_map');
      config.linux.gidMappings = map('gid_map');
    } else if (c.userns) {
      config.linux.namespaces.push({ type: 'user' });
      const m = [{ containerID: 0, hostID: c.userns.hostId, size: c.userns.size }];
      config.linux.uidMappings = m;
      config.linux.gidMappings = m;
    }
    for (const [dest, src] of Object.entries(c.binds ?? {})) {
      config.mounts.push({ destination: dest, type: 'bind', source: src, options: dest === '/out' ? ['rbind'] : ['rbind', 'ro'] });
    }
    if (c.hostProc) {
      config.mounts = config.mounts.map((m: { destination: string }) => (m.destination === '/proc' ? { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] } : m));
    }
  };
}
