// The credentials of a process as the kernel holds them, and capability names decoded from masks.

/** One line of uid_map or gid_map: IDs [inside, inside+count) map to [outside, outside+count). */
export interface IdMapLine {
  inside: number;
  outside: number;
  count: number;
}

/** The five capability sets, as 64-bit masks (bigint: bit 63 is a valid bit). */
export interface CapSets {
  inheritable: bigint;
  permitted: bigint;
  effective: bigint;
  bounding: bigint;
  ambient: bigint;
}
export const CAP_SET_NAMES = ['inheritable', 'permitted', 'effective', 'bounding', 'ambient'] as const;

/** Real, effective, saved and filesystem IDs, as seen from the agent's (the host's) user namespace. */
export interface IdQuad {
  real: number;
  effective: number;
  saved: number;
  fs: number;
}

/** 'yes' or 'no' when /proc shows it; 'unknown' when it cannot be told apart (see procfs/creds.ts). */
export type Tri = 'yes' | 'no' | 'unknown';

export interface ProcCreds {
  pid: number;
  uid: IdQuad;
  gid: IdQuad;
  groups: number[];
  caps: CapSets;
  noNewPrivs: boolean;
  /** 0 disabled, 1 strict, 2 filter; undefined on a kernel built without seccomp. */
  seccomp?: 0 | 1 | 2;
  /** How many filters are stacked (kernel 5.9+); undefined when the kernel does not say. */
  seccompFilters?: number;
  /** How many pid namespaces deep the process is: the length of its NSpid (1 in the host's). */
  pidDepth: number;
  uidMap: IdMapLine[];
  gidMap: IdMapLine[];
  /** The LSM label (attr/current, or attr/apparmor/current), trimmed; undefined when no LSM labels tasks. */
  lsmLabel?: string;
  /** Which LSM the label belongs to, when it can be told. */
  lsm?: 'apparmor' | 'selinux' | 'smack' | 'other';
  dumpable: Tri;
  /** The owner of /proc/<pid>/status, from which dumpable is derived. */
  procOwner?: { uid: number; gid: number };
}

/** Node-wide settings that take part in the checks. */
export interface NodeSecurity {
  /** Whether Yama is built in and active (its sysctl exists). */
  yama: boolean;
  /** 0 classic, 1 restricted (relational), 2 admin-only, 3 no attach; undefined without Yama. */
  ptraceScope?: number;
  perfEventParanoid?: number;
}

/** Capability names by bit number, as capability(7) and linux/capability.h spell them (0..40). */
export const CAP_NAMES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export const CAP = {
  KILL: 5,
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  NET_RAW: 13,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
} as const;

/** The name of one capability bit; bits the table does not know are "cap_N". */
export function capName(bit: number): string {
  return CAP_NAMES[bit] ?? `cap_${bit}`;
}

/** The names of the bits set in a mask, lowest bit first. */
export function decodeCaps(mask: bigint): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & 1n) out.push(capName(bit));
  return out;
}

export function hasCap(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/** "CAP_SYS_PTRACE" or "SYS_PTRACE" or "sys_ptrace" -> 19; undefined if unknown. */
export function capBit(name: string): number | undefined {
  const n = name.toUpperCase();
  const i = CAP_NAMES.indexOf(n.startsWith('CAP_') ? n : `CAP_${n}`);
  return i < 0 ? undefined : i;
}

/** Maps an ID from inside a user namespace to the outside (the host's view); undefined if unmapped. */
export function mapOut(id: number, map: readonly IdMapLine[]): number | undefined {
  for (const l of map) if (id >= l.inside && id < l.inside + l.count) return l.outside + (id - l.inside);
  return undefined;
}

/** Maps a host ID into a user namespace; undefined if the namespace cannot see it (shown as 65534). */
export function mapIn(id: number, map: readonly IdMapLine[]): number | undefined {
  for (const l of map) if (id >= l.outside && id < l.outside + l.count) return l.inside + (id - l.outside);
  return undefined;
}

/** The identity map of the initial user namespace. */
export function isIdentityMap(map: readonly IdMapLine[]): boolean {
  const only = map.length === 1 ? map[0] : undefined;
  return only !== undefined && only.inside === 0 && only.outside === 0 && only.count === 4294967295;
}
