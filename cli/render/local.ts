// Turns the engine's JSON answers into the human tables of ns, diff, ps, whois and lsns.
import type { DiffJSON, LsnsJSON, NsListJSON, PsJSON, SubjectJSON, WhoisJSON } from '../../agent/protocol/answers.js';
import { NS_TYPES } from '../../agent/model/types.js';
import { keyValues, table, terminalWidth, wrapWords } from './table.js';
import { renderAccessBrief } from './access.js';
import { renderLayers } from './layers.js';

const short = (id?: string): string => (id ? id.slice(0, 12) : '-');
const inode = (n: number | null | undefined): string => (n === null || n === undefined ? '?' : String(n));

function subjectLine(s: SubjectJSON): string {
  const parts = [`${s.ref}`, `pid ${s.pid}`];
  if (s.containerID && !s.ref.startsWith('container/')) parts.push(`container ${short(s.containerID)}`);
  if (s.podUID) parts.push(`pod ${s.podUID}`);
  return parts.join('  ');
}

export function renderDiff(d: DiffJSON): string {
  let out = keyValues([['target', subjectLine(d.target)], ['debugger', subjectLine(d.debugger)]]) + '\n';
  out += table(
    ['TYPE', 'TARGET', 'DEBUGGER', 'SHARED', 'WITH'],
    d.namespaces.map((r) => [r.type, inode(r.target), inode(r.debugger), r.shared === null ? '?' : r.shared ? 'yes' : 'no', r.with ?? '?']),
  );
  out += `\nshared:     ${d.shared.join(', ') || '-'}\nnot shared: ${d.notShared.join(', ') || '-'}\n`;
  if (d.findings.length > 0) out += '\n' + d.findings.map((f) => wrapWords(`* ${f.message}`, terminalWidth())).join('\n') + '\n';
  out += renderLayers(d.layers);
  if (d.access) out += '\n' + renderAccessBrief(d.access);
  return out;
}

/**
 * One column per ref. An inode that more than one ref has gets a letter, the same letter in a
 * row for the same namespace, whichever columns share it.
 */
export function renderNs(n: NsListJSON): string {
  const head = n.items.map((it, i) => `[${i + 1}] ${subjectLine(it)}${it.unreadable ? `  (${it.unreadable})` : ''}`).join('\n');
  let anyShared = false;
  const rows = NS_TYPES.map((t) => {
    const values = n.items.map((it) => it.namespaces[t]);
    const letters = new Map<number, string>();
    for (const v of values) {
      if (v === undefined || v === null || letters.has(v)) continue;
      if (values.filter((x) => x === v).length > 1) letters.set(v, String.fromCharCode(65 + letters.size));
    }
    if (letters.size > 0) anyShared = true;
    return [t, ...values.map((v) => inode(v) + (v !== undefined && v !== null && letters.has(v) ? ` ${letters.get(v)}` : ''))];
  });
  const legend = n.items.length > 1 ? (anyShared ? '\nsame letter in a row: the same namespace, shared; no letter: that ref\'s own\n' : '\nno namespace is shared\n') : '';
  return `${head}\n\n${table(['TYPE', ...n.items.map((_, i) => `[${i + 1}]`)], rows)}${legend}`;
}

/** The CONTAINER column of ps: the container, or who else put the process in the namespace. */
export function psOwner(r: PsJSON['processes'][number], names: ReadonlyMap<string, string> = new Map()): string {
  if (r.owner?.kind === 'host-entered') return '(entered from host)';
  if (r.owner?.kind === 'node') return '(node)';
  // By name where the runtime's record or the pod's status knows it; else the short ID.
  return r.containerName ?? (r.containerID ? names.get(r.containerID) : undefined) ?? short(r.containerID);
}

/** `names`: container ID → name, e.g. from the pod's status (podContainerNames). */
export function renderPs(p: PsJSON, names?: ReadonlyMap<string, string>): string {
  return table(
    ['PID', 'NSPID', 'PPID', 'UID', 'STARTED', 'CONTAINER', 'COMMAND'],
    p.processes.map((r) => [String(r.pid), String(r.nspid), String(r.ppid), String(r.uid), started(r.startTime), psOwner(r, names), r.command]),
    { width: terminalWidth() },
  );
}

/** Agents before the 0.2 shapes named the pod `namespace`, `pod` and `container`. */
export type NodeWhoisJSON = WhoisJSON & { namespace?: string; pod?: string; container?: string };

export function renderWhois(w: NodeWhoisJSON): string {
  const pairs: Array<[string, string]> = [['pid', String(w.pid)]];
  const pod = w.podName ?? w.pod;
  if (pod !== undefined) pairs.push(['pod', `${w.podNamespace ?? w.namespace ?? '?'}/${pod}`], ['container', w.containerName ?? w.container ?? '?'], ['container ID', w.containerID ?? '?']);
  else pairs.push(['container', w.containerID ?? '- (not in a container)']);
  if (w.runtime) pairs.push(['runtime', w.runtime]);
  if (w.podUID) pairs.push(['pod UID', w.podUID]);
  for (const t of NS_TYPES) pairs.push([t, inode(w.namespaces[t])]);
  if (w.unreadable) pairs.push(['note', `namespaces ${w.unreadable === 'denied' ? 'not readable (EACCES)' : 'gone'}`]);
  return keyValues(pairs);
}

export function renderLsns(l: LsnsJSON): string {
  return table(
    ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'CONTAINER', 'COMMAND'],
    l.namespaces.map((r) => [String(r.inode), r.type, String(r.nprocs), String(r.pid), r.user, short(r.containerID), r.command]),
    { width: terminalWidth() },
  );
}

/** HH:MM:SS today, else the date, like ps's STIME. */
function started(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  return d.toDateString() === now.toDateString() ? d.toTimeString().slice(0, 8) : d.toISOString().slice(0, 10);
}
