// The node-local commands (ns, diff, ps, whois, lsns): run the engine in-process, as root.
import { NsinspectError } from '../../agent/errors.js';
import { Engine } from '../../agent/engine.js';
import { parseLocalRef, parsePid } from '../../agent/discovery/refs.js';
import { type NsType, NS_TYPES } from '../../agent/model/types.js';
import type { GlobalOptions } from '../main.js';
import { renderDiff, renderLsns, renderNs, renderPs, renderWhois } from '../render/local.js';
import { print } from '../output.js';
import { checkExpectShared, nsTypes } from '../refs.js';

function requireRoot(): void {
  if (process.geteuid?.() !== 0) {
    throw new NsinspectError('NOT_ROOT', "nsinspect needs root to read other processes' namespaces", {
      hint: 'run it with sudo, or use the nsinspect agent',
    });
  }
}


export function ns(refs: string[], opts: GlobalOptions): void {
  const parsed = refs.map(parseLocalRef);
  requireRoot();
  const engine = new Engine();
  print(engine.ns(parsed.map((r) => engine.subject(r))), opts, renderNs);
}

export function diff(target: string, dbg: string, opts: GlobalOptions & { expectShared?: string }): void {
  const [t, d] = [parseLocalRef(target), parseLocalRef(dbg)];
  const expected = opts.expectShared === undefined ? undefined : nsTypes(opts.expectShared);
  requireRoot();
  const engine = new Engine();
  const result = engine.diff(engine.subject(t), engine.subject(d));
  print(result, opts, renderDiff);
  checkExpectShared(result.shared, expected);
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
  const types: NsType[] = typeList === undefined ? [...NS_TYPES] : nsTypes(typeList);
  requireRoot();
  print(new Engine().lsns(types), opts, renderLsns);
}
