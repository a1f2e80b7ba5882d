// Turns the access answer into text: privileges side by side, then each op's verdict and its walk of checks.
import type { AccessJSON, AccessSummaryJSON, AccessVerdictJSON, PrivilegesJSON } from '../../agent/protocol/access.js';
import type { IdMapLine, IdQuad, NodeSecurity } from '../../agent/model/creds.js';
import { CAP_NAMES } from '../../agent/model/creds.js';
import { keyValues, table } from './table.js';

const quad = (q: IdQuad): string => (q.real === q.effective && q.real === q.saved && q.real === q.fs ? String(q.real) : `${q.real}/${q.effective}/${q.saved}/${q.fs}`);
const map = (m: IdMapLine[]): string => (m.length === 0 ? '(unmapped)' : m.map((l) => `${l.inside}→${l.outside} ×${l.count}`).join(', '));
const ALL = CAP_NAMES.map((n) => n.slice(4).toLowerCase());

/** Capability names without CAP_, lowercase; a set holding most known ones as "all" or "all but …" (like capsh). */
export function caps(names: string[]): string {
  if (names.length === 0) return '-';
  const short = names.map((n) => (n.startsWith('CAP_') ? n.slice(4).toLowerCase() : n));
  const known = short.filter((n) => ALL.includes(n));
  const extra = short.filter((n) => !ALL.includes(n));
  if (known.length <= ALL.length / 2) return short.join(',');
  const missing = ALL.filter((n) => !known.includes(n));
  return [missing.length === 0 ? 'all' : `all but ${missing.join(',')}`, ...extra].join(',');
}

/** Splits a comma list into lines of at most w characters. */
function wrap(s: string, w: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of s.split(',')) {
    const next = line === '' ? part : `${line},${part}`;
    if (next.length > w && line !== '') {
      out.push(line + ',');
      line = part;
    } else line = next;
  }
  out.push(line);
  return out;
}

function privilegeRows(t: PrivilegesJSON, d: PrivilegesJSON): string[][] {
  const rows: string[][] = [
    ['uid (r/e/s/fs, host)', quad(t.uid), quad(d.uid)],
    ['  inside its user ns', quad(t.uidInside), quad(d.uidInside)],
    ["  as the other's ns sees it", quad(t.uidAsOtherSees), quad(d.uidAsOtherSees)],
    ['gid (r/e/s/fs, host)', quad(t.gid), quad(d.gid)],
    ['  inside its user ns', quad(t.gidInside), quad(d.gidInside)],
    ['groups', t.groups.join(',') || '-', d.groups.join(',') || '-'],
    ['user ns', String(t.userNs ?? '?'), String(d.userNs ?? '?')],
    ['uid_map', map(t.uidMap), map(d.uidMap)],
    ['gid_map', map(t.gidMap), map(d.gidMap)],
  ];
  for (const set of ['inheritable', 'permitted', 'effective', 'bounding', 'ambient'] as const) {
    const a = wrap(caps(t.caps[set].names), 38);
    const b = wrap(caps(d.caps[set].names), 38);
    for (let i = 0; i < Math.max(a.length, b.length); i++) rows.push([i === 0 ? `caps ${set}` : '', a[i] ?? '', b[i] ?? '']);
  }
  const sec = (p: PrivilegesJSON): string => p.seccomp.mode + (p.seccomp.filters ? ` (${p.seccomp.filters} filter${p.seccomp.filters === 1 ? '' : 's'})` : '');
  rows.push(
    ['NoNewPrivs', t.noNewPrivs ? 'yes' : 'no', d.noNewPrivs ? 'yes' : 'no'],
    ['seccomp', sec(t), sec(d)],
    ['LSM label', t.lsm ? `${t.lsm.label} (${t.lsm.module})` : '-', d.lsm ? `${d.lsm.label} (${d.lsm.module})` : '-'],
    ['dumpable', t.dumpable, d.dumpable],
  );
  return rows;
}

export function nodeLine(n: NodeSecurity): string {
  const yama = n.yama ? `Yama ptrace_scope ${n.ptraceScope}` : 'Yama absent';
  return `${yama}, perf_event_paranoid ${n.perfEventParanoid ?? '?'}`;
}

const allowed = (v: AccessSummaryJSON): string => (v.allowed === 'yes' ? 'yes' : `${v.allowed} (${v.blockedBy ?? '?'})`);

/** The verdict table of `access`, each blocked op with its reason. */
export function renderAccessSummary(vs: AccessSummaryJSON[]): string {
  return table(['OP', 'ALLOWED', 'WHY'], vs.map((v) => [v.op, allowed(v), v.allowed === 'yes' ? '' : v.reason]));
}

/** diff's short "what the debugger can do" section: one short line per op, within 80 columns. */
export function renderAccessBrief(vs: AccessSummaryJSON[]): string {
  const w = Math.max(...vs.map((v) => v.op.length));
  const lines = vs.map((v) => `  ${v.op.padEnd(w)}  ${allowed(v)}`);
  const blocked = vs.some((v) => v.allowed !== 'yes');
  return `what the debugger can do:\n${lines.join('\n')}\n${blocked ? '  (why, and the kubectl debug that would work: nsinspect access)\n' : ''}`;
}

function renderWalk(v: AccessVerdictJSON): string {
  let out = `${v.op}: ${allowed(v)}\n  ${v.reason}\n`;
  if (v.fix) out += `  fix: ${v.fix}\n`;
  out += v.checks.map((c, i) => `  ${String(i + 1).padStart(2)}. ${c.result.padEnd(7)} ${c.check}: ${c.detail}`).join('\n') + '\n';
  return out;
}

export function renderAccess(a: AccessJSON): string {
  const who = (s: AccessJSON['target']): string => [s.ref, `pid ${s.pid}`, ...(s.containerID && !s.ref.startsWith('container/') ? [`container ${s.containerID.slice(0, 12)}`] : [])].join('  ');
  let out = keyValues([['target', who(a.target)], ['debugger', who(a.debugger)], ['node', nodeLine(a.node)]]) + '\n';
  out += table(['', 'TARGET', 'DEBUGGER'], privilegeRows(a.target.privileges, a.debugger.privileges)) + '\n';
  out += renderAccessSummary(a.verdicts) + '\n';
  out += a.verdicts.map(renderWalk).join('\n');
  return out;
}
