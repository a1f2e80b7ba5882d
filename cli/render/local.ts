// Turns the engine's JSON answers into the human tables of ns, diff, ps, whois and lsns.
import type { DiffJSON, LsnsJSON, NsListJSON, PsJSON, SubjectJSON, WhoisJSON } from '../../agent/wire/local.js';
import { NS_TYPES } from '../../agent/model/types.js';
import { keyValues, table, terminalWidth } from './table.js';
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
  if (d.findings.length > 0) out += '\n' + d.findings.map((f) => `* ${f.message}`).join('\n') + '\n';
  out += renderLayers(d.layers);
  if (d.access) out += '\n' + renderAccessBrief(d.access);
  return out;
}

/** One column per ref; a "=" marks an inode equal to the first ref's. */
export function renderNs(n: NsListJSON): string {
  const head = n.items.map((it, i) => `[${i + 1}] ${subjectLine(it)}${it.unreadable ? `  (${it.unreadable})` : ''}`).join('\n');
  const first = n.items[0]?.namespaces ?? {};
  const rows = NS_TYPES.map((t) => [
    t,
    ...n.items.map((it, i) => {
      const v = it.namespaces[t];
      return inode(v) + (i > 0 && v !== undefined && v === first[t] ? ' =' : '');
    }),
  ]);
  return `${head}\n\n${table(['TYPE', ...n.items.map((_, i) => `[${i + 1}]`)], rows)}`;
}

/** The CONTAINER column of ps: the container, or who else put the process in the namespace. */
export function psOwner(r: PsJSON['processes'][number]): string {
  if (r.owner?.kind === 'host-entered') return '(entered from host)';
  if (r.owner?.kind === 'node') return '(node)';
  return short(r.containerID);
}

export function renderPs(p: PsJSON): string {
  return table(
    ['PID', 'NSPID', 'PPID', 'UID', 'STARTED', 'CONTAINER', 'COMMAND'],
    p.processes.map((r) => [String(r.pid), String(r.nspid), String(r.ppid), String(r.uid), started(r.startTime), psOwner(r), r.command]),
    { width: terminalWidth() },
  );
}

/** The agent's answer adds the pod and container names when its pod cache knows the container. */
export type NodeWhoisJSON = WhoisJSON & { namespace?: string; pod?: string; container?: string };

export function renderWhois(w: NodeWhoisJSON): string {
  const pairs: Array<[string, string]> = [['pid', String(w.pid)]];
  if (w.pod !== undefined) pairs.push(['pod', `${w.namespace ?? '?'}/${w.pod}`], ['container', w.container ?? '?'], ['container ID', w.containerID ?? '?']);
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
