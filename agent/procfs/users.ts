// Maps uids to user names from /etc/passwd, as lsns's USER column does.
import { readFileSync } from 'node:fs';

let names: Map<number, string> | undefined;

/** The user name of uid, or the uid as text when /etc/passwd does not list it. */
export function userName(uid: number): string {
  if (!names) {
    names = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , uid] = line.split(':');
        if (name !== undefined && uid !== undefined && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
      }
    } catch {
      // No passwd file (a distroless image): numeric uids it is.
    }
  }
  return names.get(uid) ?? String(uid);
}
