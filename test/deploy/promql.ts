// PromQL of the shipped alerts and dashboard, and the metric names each uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFESTS, find, render } from './render.js';

export interface Query {
  where: string;
  expr: string;
}

const withPrometheus = (): ReturnType<typeof render> => render(join(MANIFESTS, 'with-prometheus'));

export function ruleGroups(): Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: object; annotations?: object }> }> {
  return find(withPrometheus(), 'PrometheusRule', 'nsinspect').spec.groups;
}

export function dashboard(): any {
  return JSON.parse(readFileSync(join(MANIFESTS, 'components/prometheus/dashboard.json'), 'utf8'));
}

/** Every query: each alert's expr and each dashboard panel target's expr. */
export function queries(): Query[] {
  const out: Query[] = [];
  for (const g of ruleGroups()) for (const r of g.rules) out.push({ where: `alert ${r.alert ?? r.record}`, expr: r.expr });
  for (const p of dashboard().panels) for (const tg of p.targets ?? []) out.push({ where: `panel "${p.title}" ${tg.refId}`, expr: tg.expr });
  return out;
}

/** Metric names in a PromQL expression: identifiers outside strings, label sets and grouping clauses, not functions or keywords. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'inf', 'nan']);
  const names = new Set<string>();
  for (const m of stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)) {
    const [, name, call] = m;
    if (name === undefined || call || keywords.has(name.toLowerCase()) || /^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** Names a /metrics scrape exports: each family, with a histogram's _bucket, _sum and _count. */
export function exportedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue;
    out.add(name);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
  }
  for (const [, name] of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) if (name !== undefined) out.add(name);
  return out;
}
