// Shell completion's one source of candidates: `nsinspect __complete WORDS… CURRENT` answers as cobra does (one candidate a line, then `:<directive>`).
import { FORMATS } from './output/format.js';
import type { Command, Option } from 'commander';
import { NS_TYPES } from '../agent/model/types.js';

/** cobra's ShellCompDirective bits, which the scripts and kubectl's plugin completion read. */
export const Directive = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

export interface Answer {
  /** "value" or "value\tdescription". */
  values: string[];
  directive: number;
}

/** What the line says about where to look: the flags that pick a cluster, and the positionals so far. */
export interface Line {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  /** --as and --as-group: the API is asked as kubectl's completion asks it, impersonating. */
  as?: string;
  asGroups?: string[];
  allNamespaces?: boolean;
  positionals: string[];
}

/** Where dynamic values come from; each answers [] on any error (completion stays silent). */
export interface Sources {
  namespaces(l: Line): Promise<string[]>;
  pods(l: Line): Promise<string[]>;
  /** The pod's containers, ephemeral ones first (the usual debugger). */
  containers(l: Line, pod: string): Promise<string[]>;
  nodes(l: Line): Promise<string[]>;
  contexts(l: Line): Promise<string[]>;
  /** Container IDs on this node (root only). */
  containerIDs(): Promise<string[]>;
}

const OPS = ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets'];
const LOCAL_PREFIXES = ['container/', 'pid/'];

const takesValue = (o: Option): boolean => o.required || o.optional;
const named = (o: Option, flag: string): boolean => o.short === flag || o.long === flag;
const visible = (c: Command): boolean => !(c as unknown as { _hidden?: boolean })._hidden && !c.name().startsWith('__');

/** A comma list (`pid,n`): candidates for its last item, each with the items before it. */
function commaList(cur: string, items: string[], firstOnly: string[] = []): Answer {
  const i = cur.lastIndexOf(',');
  const head = cur.slice(0, i + 1);
  const done = head.split(',').filter(Boolean);
  const pool = i < 0 ? [...firstOnly, ...items] : done.some((d) => firstOnly.includes(d)) ? [] : items;
  return { values: pool.filter((x) => !done.includes(x)).map((x) => head + x), directive: Directive.noFileComp | Directive.noSpace };
}

/** Parses the words before the cursor: the subcommand, flag values that matter, positionals. */
function parse(program: Command, words: string[]): { cmd?: Command; line: Line; pending?: Option; dashdash: boolean } {
  const line: Line = { positionals: [] };
  let cmd: Command | undefined;
  let pending: Option | undefined;
  let dashdash = false;
  const options = (): Option[] => [...(cmd?.options ?? []), ...program.options];
  const set = (o: Option, v: string): void => {
    if (o.long === '--namespace') line.namespace = v;
    else if (o.long === '--context') line.context = v;
    else if (o.long === '--kubeconfig') line.kubeconfig = v;
    else if (o.long === '--as') line.as = v;
    else if (o.long === '--as-group') (line.asGroups ??= []).push(v);
  };
  for (const w of words) {
    if (pending) {
      set(pending, w);
      pending = undefined;
    } else if (dashdash) line.positionals.push(w);
    else if (w === '--') dashdash = true;
    else if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const o = options().find((x) => named(x, eq < 0 ? w : w.slice(0, eq)));
      if (o?.long === '--all-namespaces') line.allNamespaces = true;
      if (o && takesValue(o)) {
        if (eq >= 0) set(o, w.slice(eq + 1));
        else pending = o;
      }
    } else if (w.startsWith('-') && w.length > 1) {
      // -nshop, -it, -A: the first letter that takes a value takes the rest of the word, or the next word.
      for (let i = 1; i < w.length; i++) {
        const o = options().find((x) => named(x, `-${w[i]}`));
        if (o?.long === '--all-namespaces') line.allNamespaces = true;
        if (o && takesValue(o)) {
          if (i + 1 < w.length) set(o, w.slice(i + 1));
          else pending = o;
          break;
        }
      }
    } else if (!cmd) cmd = program.commands.find((c) => visible(c) && (c.name() === w || c.aliases().includes(w)));
    else line.positionals.push(w);
  }
  return { cmd, line, pending, dashdash };
}

async function flagValues(o: Option, cur: string, line: Line, src: Sources): Promise<Answer> {
  const none = { values: [], directive: Directive.noFileComp };
  const list = (vs: string[]): Answer => ({ values: vs, directive: Directive.noFileComp });
  switch (o.long) {
    case '--namespace':
    case '--agent-namespace':
      return list(await src.namespaces(line));
    case '--context':
      return list(await src.contexts(line));
    case '--ns':
      return commaList(cur, [...NS_TYPES], ['tools', 'all']);
    case '--type':
    case '--expect-shared':
      return commaList(cur, [...NS_TYPES]);
    case '--op':
      return commaList(cur, OPS);
    case '--container':
    case '--target':
      return line.positionals[0] ? list(await src.containers(line, line.positionals[0])) : none;
    case '--node':
      return list(await src.nodes(line));
    case '--kubeconfig':
    case '--token-file':
      return { values: [], directive: Directive.default };
    case '--output':
      // jsonpath takes its template after the =: no space after it.
      return cur.startsWith('jsonpath') ? { values: ['jsonpath='], directive: Directive.noFileComp | Directive.noSpace } : list(FORMATS.map((f) => f.replace(/=TEMPLATE$/, '=')));
  }
  if (o.argChoices) return list(o.argChoices);
  return none;
}

/** A ref: pod names from the API; container/ IDs on this node; pid/ left to the user. */
async function refValues(cur: string, line: Line, src: Sources): Promise<Answer> {
  const m = /^(container|c)\//.exec(cur);
  if (m) {
    const long = cur.length > m[0].length + 12;
    return { values: (await src.containerIDs()).map((id) => m[0] + (long ? id : id.slice(0, 12))), directive: Directive.noFileComp };
  }
  if (/^(pid|p)\//.test(cur)) return { values: [], directive: Directive.noFileComp | Directive.noSpace };
  const prefixes = cur === '' ? [] : LOCAL_PREFIXES.filter((p) => p.startsWith(cur));
  const pods = (await src.pods(line)).filter((p) => p.startsWith(cur));
  return { values: [...pods, ...prefixes], directive: Directive.noFileComp | (pods.length === 0 && prefixes.length > 0 ? Directive.noSpace : 0) };
}

async function positionalValues(cmd: Command, cur: string, line: Line, src: Sources): Promise<Answer> {
  const i = line.positionals.length;
  const none = { values: [], directive: Directive.noFileComp };
  switch (cmd.name()) {
    case 'completion':
      return i === 0 ? { values: ['bash', 'zsh', 'fish'], directive: Directive.noFileComp } : none;
    case 'ns':
      return refValues(cur, line, src);
    case 'ps':
    case 'ephemeral':
      return i === 0 ? refValues(cur, line, src) : none;
    case 'exec':
      return i === 0 ? refValues(cur, line, src) : { values: [], directive: Directive.default };
    case 'diff':
    case 'access': {
      if (i === 0) return refValues(cur, line, src);
      const first = line.positionals[0];
      if (i > 1 || first === undefined) return none;
      if (/^(pid|p|container|c)\//.test(first)) return refValues(cur, line, src);
      return { values: await src.containers(line, first), directive: Directive.noFileComp };
    }
  }
  return none;
}

/** The candidates for the last word, given the words before it (the program's name left out). */
export async function complete(program: Command, args: string[], src: Sources): Promise<Answer> {
  const words = args.slice(0, -1);
  const cur = args.at(-1) ?? '';
  const { cmd, line, pending, dashdash } = parse(program, words);
  let answer: Answer;
  const opts = [...(cmd?.options ?? []), ...program.options];
  if (pending) answer = await flagValues(pending, cur, line, src);
  else if (dashdash) answer = cmd ? await positionalValues(cmd, cur, line, src) : { values: [], directive: Directive.default };
  else if (cur.startsWith('--') && cur.includes('=')) {
    const flag = cur.slice(0, cur.indexOf('='));
    const o = opts.find((x) => named(x, flag));
    const a = o && takesValue(o) ? await flagValues(o, cur.slice(flag.length + 1), line, src) : { values: [], directive: Directive.noFileComp };
    answer = { values: a.values.map((v) => `${flag}=${v}`), directive: a.directive };
  } else if (cur.startsWith('-')) {
    const flags = opts.flatMap((o) => (o.hidden ? [] : [o.long, o.short].filter((f): f is string => Boolean(f)).map((f) => `${f}\t${o.description}`)));
    answer = { values: [...new Set(flags)], directive: Directive.noFileComp };
  } else if (!cmd) answer = { values: program.commands.filter(visible).map((c) => `${c.name()}\t${c.description()}`), directive: Directive.noFileComp };
  else answer = await positionalValues(cmd, cur, line, src);
  return { values: answer.values.filter((v) => v.startsWith(cur)), directive: answer.directive };
}

/** cobra's output format: candidates, then `:<directive>`. */
export function format(a: Answer): string {
  return a.values.map((v) => v.replace(/\n/g, ' ')).join('\n') + (a.values.length ? '\n' : '') + `:${a.directive}\n`;
}
