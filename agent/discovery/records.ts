// Reads what the runtime was told about a container from the runtime's own files: OCI specs and CRI status.
//
// Why files, not CRI over its socket: the agent and the node-local CLI must answer while the
// control plane (and even the kubelet) is down, which is when on-call needs them, and without
// mounting the CRI socket into the agent: that socket can create privileged containers, while these
// files are read-only facts. ContainerStatus verbose would give the same spec, only through the
// socket. The files: containerd's task bundle config.json (the spec runc was given, with the CRI's
// annotations), CRI-O's userdata/config.json, and the CRI plugin's status file, which outlives the
// task and so still says that a container exited, and with which code.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NsinspectError, errnoOf, wrap } from '../model/errors.js';
import type { ExitRecord, RecordRoots, RuntimeRecord } from '../model/records.js';
import type { NsType, Runtime } from '../model/types.js';
import { dockerName } from './docker-records.js';
import { listDirSeenBy, pidsNamed, readCmdline, readCwd, readFileSeenBy, readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';

const TASKS = 'io.containerd.runtime.v2.task';
const CRI_CONTAINERS = 'io.containerd.grpc.v1.cri/containers';
/** A spec is a few KiB; anything past this is not a runtime's record. */
const MAX_RECORD_BYTES = 4 << 20;
const ID = /^[0-9a-f]{12,64}$/;

const list = (env: string | undefined, dflt: string[]): string[] => (env ? env.split(':').filter(Boolean) : dflt);

/** The roots of a kubelet node's runtimes, or those named by NSINSPECT_CONTAINERD_STATE/_ROOT and NSINSPECT_CRIO_ROOT (colon-separated). */
export function defaultRoots(env: NodeJS.ProcessEnv = process.env): RecordRoots {
  return {
    containerdState: list(env.NSINSPECT_CONTAINERD_STATE, ['/run/containerd']),
    containerdRoot: list(env.NSINSPECT_CONTAINERD_ROOT, ['/var/lib/containerd']),
    crio: list(env.NSINSPECT_CRIO_ROOT, ['/run/containers/storage', '/var/lib/containers/storage']),
  };
}

/** A runtime's file as text; undefined when it does not exist (the container is gone, or this runtime is not here). */
export function readRuntimeFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_RECORD_BYTES) throw new NsinspectError('INTERNAL', `reading ${path}: larger than ${MAX_RECORD_BYTES} bytes`);
    return text;
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw wrap(`reading ${path}`, err);
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const OCI_NS: Record<string, NsType> = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };

function jsonField(s: string | undefined): Record<string, unknown> {
  if (!s) return {};
  try {
    const v = JSON.parse(s);
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

/**
 * An OCI runtime spec (config.json) as a record. containerd's CRI annotates io.kubernetes.cri.*;
 * CRI-O io.kubernetes.cri-o.* (names inside its Metadata and Labels JSON) and io.kubernetes.pod.*.
 */
export function parseOciSpec(text: string, containerID: string, runtime: Runtime, source: string): RuntimeRecord {
  let spec: { annotations?: Record<string, unknown>; linux?: { namespaces?: { type?: unknown; path?: unknown }[] } };
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new NsinspectError('INTERNAL', `reading the runtime's record ${source}: not JSON`, { cause: err, hint: 'the runtime may be writing it; try again' });
  }
  if (typeof spec !== 'object' || spec === null) throw new NsinspectError('INTERNAL', `reading the runtime's record ${source}: not an OCI spec`);
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.annotations ?? {})) if (typeof v === 'string') a[k] = v;
  const meta = jsonField(a['io.kubernetes.cri-o.Metadata']);
  const labels = jsonField(a['io.kubernetes.cri-o.Labels']);
  const str = (...vs: unknown[]): string | undefined => vs.find((v): v is string => typeof v === 'string' && v !== '');
  const type = str(a['io.kubernetes.cri.container-type'], a['io.kubernetes.cri-o.ContainerType']);
  const rec: RuntimeRecord = { containerID, runtime, source, namespaces: [] };
  if (type === 'sandbox' || type === 'container') rec.kind = type;
  const fields: [keyof RuntimeRecord, string | undefined][] = [
    ['containerName', str(a['io.kubernetes.cri.container-name'], rec.kind === 'container' ? meta.name : undefined, a['io.kubernetes.container.name'], labels['io.kubernetes.container.name'])],
    ['podName', str(a['io.kubernetes.cri.sandbox-name'], a['io.kubernetes.pod.name'], labels['io.kubernetes.pod.name'], a['io.kubernetes.cri-o.KubeName'])],
    ['podNamespace', str(a['io.kubernetes.cri.sandbox-namespace'], a['io.kubernetes.pod.namespace'], labels['io.kubernetes.pod.namespace'])],
    ['podUID', str(a['io.kubernetes.cri.sandbox-uid'], a['io.kubernetes.pod.uid'], labels['io.kubernetes.pod.uid'])],
    ['sandboxID', str(a['io.kubernetes.cri.sandbox-id'], a['io.kubernetes.cri-o.SandboxID'])],
    ['image', str(a['io.kubernetes.cri.image-name'], a['io.kubernetes.cri-o.ImageName'])],
  ];
  for (const [k, v] of fields) if (v !== undefined) (rec as unknown as Record<string, string>)[k] = v;
  for (const n of spec.linux?.namespaces ?? []) {
    const t = typeof n?.type === 'string' ? OCI_NS[n.type] : undefined;
    if (!t) continue;
    rec.namespaces.push(typeof n.path === 'string' && n.path !== '' ? { type: t, path: n.path } : { type: t });
  }
  return rec;
}

const runtimeOfNamespace = (ns: string): Runtime => (ns === 'moby' ? 'docker' : 'containerd');

/**
 * A directory of runtime files, and the process to read it through (/proc/<pid>/root) when it was
 * found from a runtime process: the agent in its pod sees the host's /run and /var/lib only that way.
 */
export interface Place {
  dir: string;
  via?: number;
}

const readAt = (p: Place, rel: string, proc: string): string | undefined => (p.via === undefined ? readRuntimeFile(join(p.dir, rel)) : readFileSeenBy(p.via, join(p.dir, rel), proc));
const listAt = (p: Place, proc: string, rel = ''): string[] => (p.via === undefined ? entries(join(p.dir, rel)) : listDirSeenBy(p.via, join(p.dir, rel), proc));

/**
 * The containerd task directories (<state>/io.containerd.runtime.v2.task/<namespace>) holding bundles.
 * Beside the configured roots, each running shim names its own: a shim is the parent (and
 * subreaper) of the containers it runs and its cwd is a bundle, so the init PIDs of running
 * containers lead to their state dir whatever the daemon's config says, with nothing to configure
 * or mount (the files are read through the shim's root).
 */
export function taskDirs(roots: RecordRoots, initPids: Iterable<number> = [], proc = procRootFromEnv()): Place[] {
  const out = new Map<string, Place>();
  for (const s of roots.containerdState) for (const ns of entries(join(s, TASKS))) out.set(join(s, TASKS, ns), { dir: join(s, TASKS, ns) });
  const shims = new Set<number>();
  for (const pid of initPids) {
    const ppid = readStat(pid, proc)?.ppid;
    if (ppid !== undefined) shims.add(ppid);
  }
  for (const shim of shims) {
    const cwd = readCwd(shim, proc);
    if (cwd && basename(dirname(dirname(cwd))) === TASKS && !out.has(dirname(cwd))) out.set(dirname(cwd), { dir: dirname(cwd), via: shim });
  }
  return [...out.values()];
}

const crioPlaces = (roots: RecordRoots): Place[] => roots.crio.map((r) => ({ dir: join(r, 'overlay-containers') }));
const bundleSpec = (id: string): string => join(id, 'config.json');
const crioSpec = (id: string): string => join(id, 'userdata', 'config.json');

/** The record of one container (a full 64-hex ID), from its bundle or CRI-O's userdata; undefined when none is found. */
export function readRecord(containerID: string, roots: RecordRoots, initPid?: number, proc = procRootFromEnv()): RuntimeRecord | undefined {
  if (!ID.test(containerID)) return undefined;
  for (const p of taskDirs(roots, initPid === undefined ? [] : [initPid], proc)) {
    const text = readAt(p, bundleSpec(containerID), proc);
    if (text === undefined) continue;
    const rec = parseOciSpec(text, containerID, runtimeOfNamespace(basename(p.dir)), join(p.dir, bundleSpec(containerID)));
    // dockerd keeps the name out of the spec, in its own config.v2.json.
    if (rec.runtime === 'docker' && rec.containerName === undefined) {
      const name = dockerName(containerID, proc);
      if (name) rec.containerName = name;
    }
    return rec;
  }
  for (const p of crioPlaces(roots)) {
    const text = readAt(p, crioSpec(containerID), proc);
    if (text !== undefined) return parseOciSpec(text, containerID, 'cri-o', join(p.dir, crioSpec(containerID)));
  }
  return undefined;
}

/** readRecord for extras (names): a record that cannot be read is as good as none. */
export function tryReadRecord(containerID: string, roots: RecordRoots, initPid?: number, proc = procRootFromEnv()): RuntimeRecord | undefined {
  try {
    return readRecord(containerID, roots, initPid, proc);
  } catch {
    return undefined;
  }
}

/** Every container with a record on the node: bundles of live tasks, and CRI-O's containers. */
export function allRecords(roots: RecordRoots, initPids: Iterable<number> = [], proc = procRootFromEnv()): RuntimeRecord[] {
  const out = new Map<string, RuntimeRecord>();
  const add = (p: Place, id: string, rel: string, runtime: Runtime): void => {
    if (!ID.test(id) || out.has(id)) return;
    try {
      const text = readAt(p, rel, proc);
      if (text !== undefined) out.set(id, parseOciSpec(text, id, runtime, join(p.dir, rel)));
    } catch {
      // half-written by the runtime right now, or gone: as if not there
    }
  };
  for (const p of taskDirs(roots, initPids, proc)) for (const id of listAt(p, proc)) add(p, id, bundleSpec(id), runtimeOfNamespace(basename(p.dir)));
  for (const p of crioPlaces(roots)) for (const id of listAt(p, proc)) add(p, id, crioSpec(id), 'cri-o');
  return [...out.values()];
}

/** containerd CRI's status file ({"Pid":0,"FinishedAt":<ns>,"ExitCode":n}) as an exit record, when it says the container finished. */
export function parseCriStatus(text: string, containerID: string, source: string): ExitRecord | undefined {
  const s = jsonField(text);
  const finished = typeof s.FinishedAt === 'number' ? s.FinishedAt : 0;
  if (finished <= 0 || typeof s.ExitCode !== 'number') return undefined;
  return { containerID, source, exitCode: s.ExitCode, finishedAt: new Date(Math.floor(finished / 1e6)) };
}

/**
 * containerd's root as its command line and config say: --root, else `root = "…"` at the top of the
 * --config file (default /etc/containerd/config.toml), else /var/lib/containerd.
 */
export function containerdRootOf(argv: readonly string[], readConfig: (path: string) => string | undefined): string {
  const flag = (...names: string[]): string | undefined => {
    for (const [i, arg] of argv.entries()) {
      for (const n of names) {
        if (arg === n) return argv[i + 1];
        if (arg.startsWith(`${n}=`)) return arg.slice(n.length + 1);
      }
    }
    return undefined;
  };
  const root = flag('--root');
  if (root) return root;
  const config = readConfig(flag('--config', '-c') ?? '/etc/containerd/config.toml') ?? '';
  const [top = ''] = config.split(/^\s*\[/m);
  return /^\s*root\s*=\s*"([^"]+)"/m.exec(top)?.[1] ?? '/var/lib/containerd';
}

/** The roots of the containerd daemons running on the node, read through each daemon's root (a /proc scan: only when a container was not found). */
export function runningContainerdRoots(proc = procRootFromEnv()): Place[] {
  const out = new Map<string, Place>();
  for (const pid of pidsNamed('containerd', proc)) {
    const argv = readCmdline(pid, proc);
    const root = argv ? containerdRootOf(argv, (path) => readFileSeenBy(pid, path, proc)) : undefined;
    if (root && !out.has(root)) out.set(root, { dir: root, via: pid });
  }
  return [...out.values()];
}

/** An exited container known to containerd's CRI, by full ID or unique 12+ hex prefix: under the configured roots, or those places. */
export function readExit(prefix: string, roots: RecordRoots, daemons: Place[] = [], proc = procRootFromEnv()): ExitRecord | undefined {
  if (!ID.test(prefix)) return undefined;
  for (const root of [...roots.containerdRoot.map((dir): Place => ({ dir })), ...daemons]) {
    const p = { ...root, dir: join(root.dir, CRI_CONTAINERS) };
    const [id, ...others] = listAt(p, proc).filter((e) => e.startsWith(prefix));
    if (id === undefined || others.length > 0) continue;
    const text = readAt(p, join(id, 'status'), proc);
    if (text !== undefined) return parseCriStatus(text, id, join(p.dir, id, 'status'));
  }
  return undefined;
}
