// The node-local commands (ns, diff, ps, whois, lsns): run the engine in-process, as root.
import { NsinspectError } from '../../agent/errors.js';
import { Engine } from '../../agent/engine.js';
import { parseLocalRef, parsePid } from '../../agent/discovery/refs.js';
import { type NsType, NS_TYPES, isNsType } from '../../agent/model/types.js';
import type { GlobalOptions } from '../main.js';
import { renderDiff, renderLsns, renderNs, renderPs, renderWhois } from '../render/local.js';

function requireRoot(): void {
  if (process.geteuid?.() !== 0) {
    throw new NsinspectError('NOT_ROOT', "nsinspect needs root to read other processes' namespaces", {
      hint: 'run it with sudo, or use the nsinspect agent',
    });
  }
}

function print<T>(data: T, opts: GlobalOptions, render: (d: T) => string): void {
  process.stdout.write(opts.output === 'json' ? JSON.stringify(data, null, 2) + '\n' : render(data));
}

export function ns(refs: string[], opts: GlobalOptions): void {
  const parsed = refs.map(parseLocalRef);
  requireRoot();
  const engine = new Engine();
  print(engine.ns(parsed.map((r) => engine.subject(r))), opts, renderNs);
}

export function diff(target: string, dbg: string, opts: GlobalOptions): void {
  const [t, d] = [parseLocalRef(target), parseLocalRef(dbg)];
  requireRoot();
  const engine = new Engine();
  print(engine.diff(engine.subject(t), engine.subject(d)), opts, renderDiff);
}

export function ps(ref: string, opts: GlobalOptions): void {
  const r = parseLocalRef(ref);
  requireRoot();
  const engine = new Engine();
  print(engine.ps(engine.subject(r)), opts, renderPs);
}

export function whois(pidText: string, opts: GlobalOptions): void {
  const pid = parsePid(pidText.replace(/^pid\//, ''));
  if (pid === undefined) throw new NsinspectError('INVALID', `invalid PID ${JSON.stringify(pidText)}: want a positive integer`, { hint: 'e.g. nsinspect whois 4242' });
  requireRoot();
  print(new Engine().whois(pid), opts, renderWhois);
}

export function lsns(typeList: string | undefined, opts: GlobalOptions): void {
  let types: NsType[] = [...NS_TYPES];
  if (typeList !== undefined) {
    const asked = typeList.split(',').map((s) => s.trim());
    const bad = asked.filter((t) => !isNsType(t));
    if (bad.length > 0) throw new NsinspectError('INVALID', `unknown namespace type ${bad.map((b) => JSON.stringify(b)).join(', ')}`, { hint: `use one of ${NS_TYPES.join(', ')}` });
    types = asked as NsType[];
  }
  requireRoot();
  print(new Engine().lsns(types), opts, renderLsns);
}
