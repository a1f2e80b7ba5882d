// Human tables for the cluster commands: a pod's namespaces as a sharing matrix, ephemeral containers.
import { NS_TYPES } from '../../agent/model/types.js';
import type { PodDiffJSON, PodJSON } from '../../agent/protocol/pod.js';
import { renderDiff } from './local.js';
import { renderLayers } from './layers.js';
import { table, terminalWidth } from './table.js';

/**
 * One row per container, one column per type. Containers in the same namespace get the same
 * letter; H marks the host's namespace. Fits 80 columns for names up to 20 characters.
 */
export function renderPod(p: PodJSON): string {
  const letters = new Map<string, string>();
  const letterOf = (type: string, inode: number | undefined, owner: string | undefined): string => {
    if (inode === undefined) return '?';
    if (owner === 'host') return 'H';
    const key = `${type}:${inode}`;
    if (!letters.has(key)) {
      const used = new Set([...letters].filter(([k]) => k.startsWith(`${type}:`)).map(([, v]) => v));
      letters.set(key, String.fromCharCode(65 + used.size));
    }
    return letters.get(key) as string;
  };
  const head = `pod ${p.namespace}/${p.name}  uid ${p.uid}${p.node ? `  node ${p.node}` : ''}\n`;
  const flags = Object.entries(p.spec).filter(([k, v]) => (k === 'hostUsers' ? v === false : v === true)).map(([k]) => (k === 'hostUsers' ? 'hostUsers: false' : k));
  const rows = p.containers.map((c) => [
    c.name + (c.target ? ` → ${c.target}` : ''),
    c.kind,
    c.pid === undefined ? c.state : String(c.pid),
    ...NS_TYPES.map((t) => letterOf(t, c.namespaces[t], c.owners[t])),
  ]);
  let out = head + (flags.length ? `spec: ${flags.join(', ')}\n` : '') + '\n';
  // Lowercase type headers keep the matrix inside 80 columns; PID shows the state when not running.
  out += table(['CONTAINER', 'KIND', 'PID', ...NS_TYPES], rows);
  out += '\nsame letter: same namespace; H: the host\'s\n';
  const notes: string[] = [];
  if (p.containers.some((c) => c.state === 'missing')) notes.push('missing: running per the API, but not found on the node (just restarted, or gone)');
  if (rows.some((r) => r.slice(3).includes('?'))) notes.push("?: not read (the container is not running, or its process is gone)");
  if (notes.length) out += notes.join('\n') + '\n';
  const marked = p.containers.filter((c) => accessMark(c.access));
  if (marked.length) {
    // Below the table, not in it: the matrix keeps its 80 columns.
    out += '\n' + marked.map((c) => `${c.name} → ${c.access?.target}:${accessMark(c.access)}\n`).join('');
    out += '!P, !R: the debugger cannot ptrace (P) or read the root (R) of its target;\n?P, ?R: cannot tell. `nsinspect access POD DEBUGGER` says why\n';
  }
  out += mismatchLines(p.mismatches);
  const exited = p.containers.filter((c) => c.exitCode !== undefined);
  if (exited.length > 0) out += `\nexited on this node: ${exited.map((c) => `${c.name} (code ${c.exitCode})`).join(', ')}\n`;
  out += renderLayers(p.layers);
  return out;
}

/** " !P!R" for what a debugger cannot do to its target (ptrace, read its root; "?" when unknown); "" when it can do both. */
export function accessMark(a: PodJSON['containers'][number]['access']): string {
  if (!a) return '';
  const m = (v: string, what: string): string[] => (v === 'no' ? [`!${what}`] : v === 'unknown' ? [`?${what}`] : []);
  const marks = [...m(a.ptrace, 'P'), ...m(a.readRoot, 'R')];
  return marks.length ? ` ${marks.join('')}` : '';
}

function mismatchLines(ms: PodJSON['mismatches']): string {
  if (ms.length === 0) return '';
  return '\nnot as the pod spec predicts:\n' + ms.map((m) => `! ${m.message} [${m.cause}]`).join('\n') + '\n';
}

interface StatusShape {
  status?: { [k in 'containerStatuses' | 'initContainerStatuses' | 'ephemeralContainerStatuses']?: Array<{ name: string; containerID?: string }> };
}

/** Container ID (without its runtime:// scheme) → name, from a pod's status: how cluster ps names containers. */
export function podContainerNames(pod: StatusShape): Map<string, string> {
  const s = pod.status ?? {};
  const all = [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? []), ...(s.ephemeralContainerStatuses ?? [])];
  return new Map(all.filter((c) => c.containerID).map((c) => [(c.containerID as string).replace(/^[a-z-]+:\/\//, ''), c.name]));
}

export function renderPodDiff(d: PodDiffJSON): string {
  return `pod ${d.pod.namespace}/${d.pod.name}: debugger ${d.debuggerContainer} against target ${d.targetContainer}\n` + renderDiff(d) + mismatchLines(d.mismatches);
}

export interface EphemeralRow {
  namespace: string;
  pod: string;
  name: string;
  image: string;
  target: string | null;
  state: string;
  startedAt: string | null;
}

export function renderEphemeral(rows: EphemeralRow[], allNamespaces: boolean, now = Date.now(), wide = false): string {
  if (rows.length === 0) return 'no ephemeral containers\n';
  // AGE says when, as kubectl get does; with -A the IMAGE gives way to NAMESPACE, so a line
  // fits 80 columns for kubectl debug's names (debugger-xxxxx) and Deployment pods; -o wide has both. Both are in -o json.
  const image = !allNamespaces || wide;
  return table(
    [...(allNamespaces ? ['NAMESPACE'] : []), 'POD', 'NAME', ...(image ? ['IMAGE'] : []), 'TARGET', 'STATE', 'AGE'],
    rows.map((r) => [
      ...(allNamespaces ? [r.namespace] : []), r.pod, r.name, ...(image ? [r.image] : []), r.target ?? '-', r.state,
      r.startedAt ? age(now - Date.parse(r.startedAt)) : '-',
    ]),
    { width: terminalWidth() },
  );
}

/** kubectl-style age: 45s, 12m, 3h5m, 2d4h. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
}
