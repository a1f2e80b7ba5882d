// Owns parsing and matching of Kubernetes fieldSelector / labelSelector query strings for pods.
import type { PodJson } from './pods.js';

/** Thrown for a selector the real API server would reject with 400 BadRequest. */
export class SelectorError extends Error {}

type FieldGetter = (p: PodJson) => string | undefined;
type FieldReq = { field: string; get: FieldGetter; op: '=' | '!='; value: string };
type LabelReq =
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

/**
 * Field selectors the real API server accepts for pods (see pkg/registry/core/pod/strategy.go).
 * A Map: an object's inherited names (constructor, toString) must not pass as field labels.
 */
const POD_FIELDS = new Map<string, FieldGetter>([
  ['metadata.name', (p) => p.metadata.name],
  ['metadata.namespace', (p) => p.metadata.namespace],
  ['spec.nodeName', (p) => p.spec.nodeName],
  ['spec.restartPolicy', (p) => p.spec.restartPolicy],
  ['spec.schedulerName', (p) => p.spec.schedulerName],
  ['spec.serviceAccountName', (p) => p.spec.serviceAccountName],
  ['spec.hostNetwork', (p) => String(p.spec.hostNetwork ?? false)],
  ['status.phase', (p) => p.status?.phase],
  ['status.podIP', (p) => p.status?.podIP],
  ['status.nominatedNodeName', (p) => p.status?.nominatedNodeName as string | undefined],
]);

/** Splits on commas that are not inside parentheses ("a in (x,y),b=c" -> two terms). */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

export function parseFieldSelector(s: string | null | undefined): FieldReq[] {
  if (!s) return [];
  return splitTerms(s).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`);
    const [field, op, value] = groups3(m, true);
    const get = POD_FIELDS.get(field);
    if (!get) throw new SelectorError(`field label not supported: ${field}`);
    return { field, get, op: op === '!=' ? '!=' : '=', value };
  });
}

/**
 * Groups 1-3 of a match, trimmed or not. The selector patterns' three groups are all mandatory, so a
 * match has every one; a pattern edited to make one optional fails here, loudly.
 */
function groups3(m: RegExpExecArray, trim = false): [string, string, string] {
  const [, a, b, c] = m;
  if (a === undefined || b === undefined || c === undefined) throw new Error(`selector pattern: '${m.input}' matched without its 3 groups`);
  return trim ? [a.trim(), b.trim(), c.trim()] : [a, b, c];
}

const KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkKey(key: string, whole: string): string {
  if (!KEY_RE.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in "${whole}"`);
  return key;
}

export function parseLabelSelector(s: string | null | undefined): LabelReq[] {
  if (!s) return [];
  return splitTerms(s).map((term): LabelReq => {
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (m) {
      const [key, op, values] = groups3(m);
      return { key: checkKey(key, s), op: op as 'in' | 'notin', values: values.split(',').map((v) => v.trim()) };
    }
    m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (m) {
      const [key, op, value] = groups3(m, true);
      return { key: checkKey(key, s), op: op === '!=' ? '!=' : '=', value };
    }
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), s), op: '!exists' };
    return { key: checkKey(term, s), op: 'exists' };
  });
}

export function matchesFields(pod: PodJson, reqs: FieldReq[]): boolean {
  return reqs.every((r) => {
    const v = r.get(pod) ?? '';
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}

export function matchesLabels(pod: PodJson, reqs: LabelReq[]): boolean {
  const labels = pod.metadata.labels ?? {};
  return reqs.every((r) => {
    const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    const has = v !== undefined;
    switch (r.op) {
      case '=': return has && v === r.value;
      case '!=': return !has || v !== r.value;
      case 'in': return has && r.values.includes(v);
      case 'notin': return !has || !r.values.includes(v);
      case 'exists': return has;
      case '!exists': return !has;
    }
  });
}

export type PodFilter = (pod: PodJson) => boolean;

/** Builds a filter from namespace + selector strings; throws SelectorError for malformed ones. */
export function podFilter(namespace: string | undefined, fieldSelector?: string | null, labelSelector?: string | null): PodFilter {
  const f = parseFieldSelector(fieldSelector);
  const l = parseLabelSelector(labelSelector);
  return (pod) => (!namespace || pod.metadata.namespace === namespace) && matchesFields(pod, f) && matchesLabels(pod, l);
}
