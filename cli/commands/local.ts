// The node-local commands (ns, diff, ps, whois, lsns): run the engine in-process, as root.
import { NsinspectError } from '../../agent/model/errors.js';
import { Engine } from '../../agent/inspect/engine.js';
import { diffJSON, lsnsJSON, nsListJSON, psJSON, whoisJSON } from '../../agent/protocol/answers.js';
import { parseLocalRef, parsePid } from '../../agent/protocol/refs.js';
import { type NsType, NS_TYPES } from '../../agent/model/types.js';
import type { GlobalOptions } from '../options.js';
import { renderDiff, renderLsns, renderNs, renderPs, renderWhois } from '../render/local.js';
import { print, psNames } from '../output/format.js';
import { checkExpectShared, isLocalRef, isNamespacedPodRef, label, nodePodRef, nsTypes } from '../refs.js';

type Flags = GlobalOptions & { namespace?: string; local?: boolean };

/** Runs a pod lookup; a plain pod ref came here only for want of a kubeconfig, so a miss says both. */
function onNode<T>(ref: string, opts: Flags, pod: { namespace: string; name: string }, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof NsinspectError) || err.code !== 'NOT_FOUND' || opts.local || isNamespacedPodRef(ref) || !err.message.startsWith('no pod ')) throw err;
    throw new NsinspectError('NOT_FOUND', `no kubeconfig found, and no pod ${pod.namespace}/${pod.name} runs on this node`, {
      hint: 'pass --kubeconfig PATH or set KUBECONFIG; on a node, use NAMESPACE/POD, pid/<n> or container/<id>',
      cause: err,
    });
  }
}

function requireRoot(): void {
  if (process.geteuid?.() !== 0) {
    throw new NsinspectError('NOT_ROOT', "nsinspect needs root to read other processes' namespaces", {
      hint: 'run it with sudo, or use the nsinspect agent',
    });
  }
}


export async function ns(refs: string[], opts: Flags): Promise<void> {
  // A pod ref stands for every running container of the pod, the sandbox first.
  const parsed = refs.map((r) => (isLocalRef(r) ? parseLocalRef(r) : { ref: r, ...nodePodRef(r, opts.namespace) }));
  requireRoot();
  const engine = new Engine();
  await print(nsListJSON(parsed.flatMap((r) => ('kind' in r ? [engine.subject(r)] : onNode(r.ref, opts, r, () => engine.podSubjects(r.namespace, r.name))))), opts, renderNs);
}

export async function diff(target: string, dbg: string, opts: Flags & { expectShared?: string; target?: string }): Promise<void> {
  // A pod ref: DEBUGGER is its container's name, and --target its target's, as on the cluster path.
  const pod = isLocalRef(target) ? undefined : { ...nodePodRef(target, opts.namespace), dbg: label('container name', dbg) };
  const refs = pod ? undefined : [parseLocalRef(target), parseLocalRef(dbg)] as const;
  const within = opts.target === undefined ? undefined : label('container name', opts.target);
  const expected = opts.expectShared === undefined ? undefined : nsTypes(opts.expectShared);
  requireRoot();
  const engine = new Engine();
  const result = diffJSON(pod ? onNode(target, opts, pod, () => engine.podDiff(pod.namespace, pod.name, pod.dbg, within)) : engine.diff(engine.subject(refs![0]), engine.subject(refs![1])));
  await print(result, opts, renderDiff);
  checkExpectShared(result.shared, expected);
}

export async function ps(ref: string, opts: Flags & { container?: string }): Promise<void> {
  const pod = isLocalRef(ref) ? undefined : nodePodRef(ref, opts.namespace);
  const r = pod ? undefined : parseLocalRef(ref);
  const c = opts.container === undefined ? undefined : label('container name', opts.container);
  requireRoot();
  const engine = new Engine();
  await print(psJSON(engine.ps(pod ? onNode(ref, opts, pod, () => engine.podSubject(pod.namespace, pod.name, c)) : engine.subject(r!))), opts, renderPs, psNames);
}

export async function whois(pidText: string, opts: GlobalOptions): Promise<void> {
  const pid = parsePid(pidText.replace(/^pid\//, ''));
  if (pid === undefined) throw new NsinspectError('INVALID', `invalid PID ${JSON.stringify(pidText)}: want a positive integer`, { hint: 'e.g. nsinspect whois 4242' });
  requireRoot();
  await print(whoisJSON(new Engine().pidSubject(pid)), opts, renderWhois, { names: (w) => (w.containerID ? [`container/${w.containerID}`] : []) });
}

export async function lsns(typeList: string | undefined, opts: GlobalOptions): Promise<void> {
  const types: NsType[] = typeList === undefined ? [...NS_TYPES] : nsTypes(typeList);
  requireRoot();
  await print(lsnsJSON(new Engine().lsns(types)), opts, renderLsns);
}
