// Tells node-local refs (pid/…, container/…) from pod refs (NAME or pod/NAME), and validates names.
import { NsinspectError } from '../agent/errors.js';
import { NS_TYPES, type NsType, isNsType } from '../agent/model/types.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLocalRef(s: string): boolean {
  return /^(pid|p|container|c)\//.test(s);
}

/** "web" or "pod/web" -> "web"; a DNS-1123 subdomain of at most 253 characters. */
export function podName(s: string): string {
  const name = s.replace(/^(pod|pods|po)\//, '');
  if (name.includes('/')) throw new NsinspectError('INVALID', `unknown ref ${JSON.stringify(s)}`, { hint: 'use a pod name, pod/NAME, pid/<n> or container/<id>' });
  if (name.length > 253 || !SUBDOMAIN.test(name)) throw new NsinspectError('INVALID', `invalid pod name ${JSON.stringify(name)}: want a DNS-1123 name (lowercase letters, digits, - and .)`);
  return name;
}

/** Container names and namespaces are DNS-1123 labels. */
export function label(what: string, s: string): string {
  if (s.length > 63 || !LABEL.test(s)) throw new NsinspectError('INVALID', `invalid ${what} ${JSON.stringify(s)}: want a DNS-1123 label (lowercase letters, digits and -, at most 63)`);
  return s;
}

export function nsTypes(list: string): NsType[] {
  const asked = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = asked.filter((t) => !isNsType(t));
  if (bad.length > 0 || asked.length === 0) {
    throw new NsinspectError('INVALID', `unknown namespace type ${bad.map((b) => JSON.stringify(b)).join(', ') || '""'}`, { hint: `use one of ${NS_TYPES.join(', ')}` });
  }
  return asked as NsType[];
}

/** Exit-3 check for --expect-shared: every listed type must be shared. */
export function checkExpectShared(shared: readonly NsType[], expected: readonly NsType[] | undefined): void {
  if (!expected) return;
  const missing = expected.filter((t) => !shared.includes(t));
  if (missing.length > 0) {
    throw new NsinspectError('EXPECTATION_FAILED', `expected ${expected.join(', ')} to be shared, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`);
  }
}
