// Owns reading V8 .cpuprofile files (node --cpu-prof) into self and inclusive time per function.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  fn: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  functions: FunctionTime[];
}

const keyOf = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
  return where ? `${functionName || '(anonymous)'} ${where}` : functionName || '(anonymous)';
};

/** Self and inclusive milliseconds per function (recursion counted once), busiest first. */
export function summarize(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the gap before sample i: charge it to the sample it leads to.
  for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  const onPath = new Map<string, number>();
  // DFS: inclusive time of a node is its self time plus its children's.
  const visit = (id: number): number => {
    const n = byId.get(id) as ProfileNode;
    const k = keyOf(n);
    onPath.set(k, (onPath.get(k) ?? 0) + 1);
    let t = self.get(id) ?? 0;
    selfBy.set(k, (selfBy.get(k) ?? 0) + t);
    for (const c of n.children ?? []) t += visit(c);
    onPath.set(k, (onPath.get(k) as number) - 1);
    if (onPath.get(k) === 0) totalBy.set(k, (totalBy.get(k) ?? 0) + t);
    return t;
  };
  const sampledMs = p.nodes[0] ? visit(p.nodes[0].id) : 0;
  const functions = [...selfBy.keys()]
    .map((fn) => ({ fn, selfMs: round(selfBy.get(fn) ?? 0), totalMs: round(totalBy.get(fn) ?? 0) }))
    .filter((f) => f.fn !== '(root)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { file, sampledMs: round(sampledMs), functions };
}

/** Inclusive time of the first functions whose name matches, for the phase breakdown. */
export function inclusiveOf(file: string, names: readonly string[]): Record<string, number> {
  const all = summarize(file, Number.MAX_SAFE_INTEGER).functions;
  const out: Record<string, number> = {};
  for (const name of names) {
    const hits = all.filter((f) => f.fn.split(' ')[0] === name);
    out[name] = round(hits.reduce((s, f) => s + f.totalMs, 0));
  }
  return out;
}

const round = (n: number): number => Math.round(n * 10) / 10;
