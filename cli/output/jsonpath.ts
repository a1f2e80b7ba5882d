// kubectl's JSONPath template subset for -o jsonpath=…: {.a.b}, {.items[*].x}, [n], ['key'], {range}{end}, {"\n"} literals.
//
// Written here rather than taken from a library: the jsonpath packages on npm implement Goessner's
// $-rooted query language, not kubectl's template syntax (text around {…}, range/end, quoted
// literals, space-joined results), and the subset below is what kubectl users type.

export class JsonPathError extends Error {}

type Step = { field: string } | { index: number } | { all: true } | { slice: [number | undefined, number | undefined] };
type Node = { text: string } | { path: Step[] } | { range: Step[]; body: Node[] };

/** Splits "a {.x} b {range .items[*]}{.n}{end}" into text and expressions. */
function tokens(template: string): Array<{ text: string } | { expr: string }> {
  const out: Array<{ text: string } | { expr: string }> = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out.push({ text: template.slice(i) });
      break;
    }
    if (open > i) out.push({ text: template.slice(i, open) });
    let j = open + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw new JsonPathError(`unclosed { at ${open} in ${JSON.stringify(template)}`);
    out.push({ expr: template.slice(open + 1, j).trim() });
    i = j + 1;
  }
  return out;
}

/** ".items[*].metadata['name']" -> steps. "@" and "$" stand for the current object. */
function steps(expr: string): Step[] {
  const s = expr.replace(/^[@$]/, '');
  const out: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      const m = /^[^.[\]]*/.exec(s.slice(i + 1))![0];
      if (m !== '') out.push({ field: m });
      i += 1 + m.length;
    } else if (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) throw new JsonPathError(`unclosed [ in ${JSON.stringify(expr)}`);
      const inner = s.slice(i + 1, close).trim();
      const quoted = /^(['"]).*\1$/.test(inner);
      const sl = /^(-?\d*):(-?\d*)$/.exec(inner);
      if (inner === '*') out.push({ all: true });
      else if (quoted) out.push({ field: inner.slice(1, -1) });
      else if (/^-?\d+$/.test(inner)) out.push({ index: Number(inner) });
      else if (sl) out.push({ slice: [sl[1] === '' ? undefined : Number(sl[1]), sl[2] === '' ? undefined : Number(sl[2])] });
      else throw new JsonPathError(`unsupported [${inner}] in ${JSON.stringify(expr)} (filters are not supported)`);
      i = close + 1;
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(s[i])} in ${JSON.stringify(expr)}: a path starts with . (e.g. {.items[*].name})`);
    }
  }
  return out;
}

function parse(template: string): Node[] {
  const root: Node[] = [];
  // Where nodes go now, and the bodies that enclose it ({range} opens one, {end} returns to the outer).
  let top = root;
  const outer: Node[][] = [];
  for (const t of tokens(template)) {
    if ('text' in t) top.push({ text: t.text });
    else if (/^"(.*)"$/s.test(t.expr)) top.push({ text: JSON.parse(t.expr) as string });
    else if (/^'(.*)'$/s.test(t.expr)) top.push({ text: t.expr.slice(1, -1) });
    else if (t.expr.startsWith('range ')) {
      const r = { range: steps(t.expr.slice(6).trim()), body: [] as Node[] };
      top.push(r);
      outer.push(top);
      top = r.body;
    } else if (t.expr === 'end') {
      const up = outer.pop();
      if (!up) throw new JsonPathError('{end} without {range}');
      top = up;
    } else top.push({ path: steps(t.expr) });
  }
  if (outer.length) throw new JsonPathError('{range} without {end}');
  return root;
}

function apply(values: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if ('field' in step) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && step.field in v) out.push((v as Record<string, unknown>)[step.field]);
    } else if (Array.isArray(v)) {
      if ('all' in step) out.push(...v);
      else if ('index' in step) {
        const i = step.index < 0 ? v.length + step.index : step.index;
        if (i >= 0 && i < v.length) out.push(v[i]);
      } else out.push(...v.slice(step.slice[0], step.slice[1]));
    } else if ('all' in step && v !== null && typeof v === 'object') out.push(...Object.values(v));
  }
  return out;
}

const select = (data: unknown, path: Step[]): unknown[] => path.reduce(apply, [data]);

/** A value as kubectl prints it: strings bare, everything else as JSON. */
function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function run(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('range' in n) for (const item of select(data, n.range)) out += run(n.body, item);
    else out += select(data, n.path).map(show).join(' ');
  }
  return out;
}

/** Checks a template once, at parse time, so a bad one is a usage error before any work. */
export function compileJsonPath(template: string): (data: unknown) => string {
  const nodes = parse(template);
  return (data) => run(nodes, data);
}
