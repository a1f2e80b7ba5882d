// What a user may type, defined once: PIDs, container IDs, DNS-1123 names (the CLI's checks and the API's schemas both use these).

/** The largest PID Linux allows (PID_MAX_LIMIT on 64-bit). */
export const PID_MAX = 4194304;
/** A host PID as text: a positive integer with no sign and no leading zero (the range is checked apart). */
export const PID_PATTERN = '^[1-9][0-9]{0,6}$';
/** A full container ID or a unique prefix of at least 12 lowercase hex characters. */
export const CONTAINER_REF_PATTERN = '^[0-9a-f]{12,64}$';
/** DNS-1123 label: namespaces and container names. */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_LABEL_MAX = 63;
/** DNS-1123 subdomain: pod names. */
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_SUBDOMAIN_MAX = 253;

export const CONTAINER_PREFIX = new RegExp(CONTAINER_REF_PATTERN);
const PID_RE = new RegExp(PID_PATTERN);
const LABEL_RE = new RegExp(DNS1123_LABEL_PATTERN);
const SUBDOMAIN_RE = new RegExp(DNS1123_SUBDOMAIN_PATTERN);

export const isDns1123Label = (s: string): boolean => s.length <= DNS1123_LABEL_MAX && LABEL_RE.test(s);
export const isDns1123Subdomain = (s: string): boolean => s.length <= DNS1123_SUBDOMAIN_MAX && SUBDOMAIN_RE.test(s);

/** A PID as typed by a user: a positive decimal integer within the kernel's limit. */
export function parsePid(s: string): number | undefined {
  if (!PID_RE.test(s)) return undefined;
  const n = Number(s);
  return n <= PID_MAX ? n : undefined;
}

/** A node-local ref, parsed (protocol/refs.ts parses it from what the user typed). */
export type LocalRef =
  | { kind: 'pid'; pid: number; text: string }
  | { kind: 'container'; prefix: string; text: string };
